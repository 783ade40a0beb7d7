/**
 * The control socket's file permissions keep other users out, and tsbgpctl says so in one line: a
 * socket with mode 0660 owned by root:root, tsbgpctl run as `nobody` (runuser) gets "permission
 * denied" and exit status 1, while root is served. Needs root and runuser; skipped otherwise.
 */

import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ControlServer, Handler } from '../../src/control/server';
import { silentLogger } from '../../src/log';
import { runCli } from './two-daemons';

const RUNUSER = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((p) => existsSync(p));
const root = process.getuid?.() === 0;

t.test('a 0660 root:root socket refuses nobody', { skip: !root ? 'needs root' : !RUNUSER ? 'needs runuser' : false }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpctl-perm-'));
  chmodSync(dir, 0o755); // nobody may reach the socket; its own mode must be what stops it
  const sock = join(dir, 'ctl.sock');
  const handlers = new Map<string, Handler>([['show.neighbors', () => ({ neighbors: [] })]]);
  const server = new ControlServer(handlers, silentLogger);
  t.teardown(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await server.listen(sock, 0o660);
  const st = statSync(sock);
  t.same([st.mode & 0o777, st.uid, st.gid], [0o660, 0, 0], 'mode 0660, root:root');

  const asNobody = await runCli(['-s', sock, 'show'], [RUNUSER!, '-u', 'nobody', '--']);
  t.equal(asNobody.code, 1, 'exit status 1');
  t.equal(asNobody.stdout, '');
  t.equal(asNobody.stderr, `tsbgpctl: permission denied on ${sock}\n`, 'one clear line');

  const asRoot = await runCli(['-s', sock, 'show']);
  t.equal(asRoot.code, 0, 'root is served');
  t.equal(asRoot.stdout.split('\n')[0], 'Neighbor                   AS    MsgRcvd    MsgSent  OutQ Up/Down  State/PrfRcvd');

  chmodSync(sock, 0o666);
  const open = await runCli(['-s', sock, 'show'], [RUNUSER!, '-u', 'nobody', '--']);
  t.equal(open.code, 0, 'with mode 0666 (the read-only socket) nobody is served');
});
