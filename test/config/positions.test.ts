/**
 * The position index: where keys and values are, for the TOML layouts bgpd.toml uses and the
 * lexical traps around them (brackets, quotes and '#' inside strings, comments, CRLF, sub-tables).
 */

import t from 'tap';
import { indexPositions, parentPath } from '../../src/config/positions';

const at = (line: number, column: number) => ({ line, column });

t.test('tables, arrays of tables and keys', (t) => {
  const idx = indexPositions(['[global]', 'local-as = 65000', '', '[[neighbor]]', '  address = "192.0.2.1"', '[[neighbor]]', 'address="192.0.2.2"'].join('\n'));
  t.strictSame(idx.get('global'), { key: at(1, 1), value: at(1, 1) });
  t.strictSame(idx.get('global.local-as'), { key: at(2, 1), value: at(2, 12) });
  t.strictSame(idx.get('neighbor[0]'), { key: at(4, 1), value: at(4, 1) });
  t.strictSame(idx.get('neighbor[0].address'), { key: at(5, 3), value: at(5, 13) });
  t.strictSame(idx.get('neighbor[1].address'), { key: at(7, 1), value: at(7, 9) });
  t.strictSame(idx.get('neighbor'), { key: at(4, 1), value: at(4, 1) }, 'the array itself is at its first element');
  t.end();
});

t.test('arrays and inline tables, over several lines', (t) => {
  const idx = indexPositions(['listen = [', '  "0.0.0.0", # first', '  { address = "::", port = 179 },', ']', 'x = { a = [1, 2], b.c = 3 }'].join('\n'));
  t.strictSame(idx.get('listen[0]')?.value, at(2, 3));
  t.strictSame(idx.get('listen[1]')?.value, at(3, 3));
  t.strictSame(idx.get('listen[1].address'), { key: at(3, 5), value: at(3, 15) });
  t.strictSame(idx.get('listen[1].port')?.value, at(3, 28));
  t.strictSame(idx.get('x.a[1]')?.value, at(5, 15));
  t.strictSame(idx.get('x.b.c')?.value, at(5, 25));
  t.end();
});

t.test('strings and comments holding brackets, quotes, = and #', (t) => {
  const idx = indexPositions(
    [
      '# [[neighbor]] in a comment is no table',
      'a = "x # [y] = \\" z" # comment [b]',
      "b = 'c:\\path'",
      'c = """',
      'multi [[line]]',
      '"" """',
      'd = 1',
      '"quoted key" = 2',
      "'lit.eral' = 3",
    ].join('\n'),
  );
  t.notOk(idx.get('neighbor'), 'comment ignored');
  t.strictSame(idx.get('b')?.value, at(3, 5));
  t.strictSame(idx.get('c')?.value, at(4, 5));
  t.strictSame(idx.get('d'), { key: at(7, 1), value: at(7, 5) }, 'line count survives a multi-line string');
  t.strictSame(idx.get('quoted key')?.key, at(8, 1));
  t.strictSame(idx.get('lit.eral')?.key, at(9, 1));
  t.end();
});

t.test('dotted keys and sub-tables of array elements', (t) => {
  const idx = indexPositions(['[[neighbor]]', 'max-prefix-in.limit = 5', '[[neighbor]]', '[neighbor.max-prefix-out]', 'limit = 7'].join('\n'));
  t.strictSame(idx.get('neighbor[0].max-prefix-in')?.key, at(2, 1));
  t.strictSame(idx.get('neighbor[0].max-prefix-in.limit')?.value, at(2, 23));
  t.strictSame(idx.get('neighbor[1].max-prefix-out')?.key, at(4, 1));
  t.strictSame(idx.get('neighbor[1].max-prefix-out.limit')?.value, at(5, 9));
  t.end();
});

t.test('CRLF line ends', (t) => {
  const idx = indexPositions('[global]\r\nlocal-as = 1\r\nrouter-id = "x"\r\n');
  t.strictSame(idx.get('global.router-id'), { key: at(3, 1), value: at(3, 13) });
  t.end();
});

t.test('find falls back to the nearest known parent, then to the start', (t) => {
  const idx = indexPositions('[[neighbor]]\naddress = "a"\n');
  t.strictSame(idx.find('neighbor[0].remote-as', 'key'), at(1, 1));
  t.strictSame(idx.find('neighbor[0].max-prefix-in.limit', 'value'), at(1, 1));
  t.strictSame(idx.find('global.local-as', 'key'), at(1, 1));
  t.strictSame(parentPath('a.b[2].c'), 'a.b[2]');
  t.strictSame(parentPath('a.b[2]'), 'a.b');
  t.strictSame(parentPath('a'), null);
  t.end();
});
