/**
 * The test parser of the Prometheus text format (prom-text.ts) must itself be right before its
 * verdict on /metrics means anything: it reads the exposition format documentation's example, and
 * refuses each kind of malformed input with the line at fault.
 */

import t from 'tap';
import { ExpositionError, find, parseExposition } from './prom-text';

// From https://prometheus.io/docs/instrumenting/exposition_formats/ (text format example).
const EXAMPLE = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="0.2"} 100392
http_request_duration_seconds_bucket{le="0.5"} 129389
http_request_duration_seconds_bucket{le="1"} 133988
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320

# Finally a summary, which has a complex representation, too:
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds{quantile="0.05"} 3272
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.9"} 9001
rpc_duration_seconds{quantile="0.99"} 76656
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
`;

t.test('reads the documentation example', async (t) => {
  const f = parseExposition(EXAMPLE);
  t.equal(f.get('http_requests_total')?.type, 'counter');
  t.equal(f.get('http_requests_total')?.help, 'The total number of HTTP requests.');
  t.same(find(f, 'http_requests_total', { code: '400' }).map((s) => [s.value, s.timestamp]), [[3, 1395066363000]]);
  t.same(find(f, 'msdos_file_access_time_seconds')[0]?.labels, { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' });
  t.equal(find(f, 'something_weird')[0]?.value, Infinity);
  t.equal(f.get('http_request_duration_seconds')?.samples.length, 8, 'histogram samples grouped under their family');
  t.equal(find(f, 'http_request_duration_seconds_count')[0]?.value, 144320);
  t.equal(f.get('rpc_duration_seconds')?.type, 'summary');
});

const BAD: [string, string, RegExp][] = [
  ['no final newline', '# TYPE a gauge\na 1', /last line/],
  ['bad metric name', '# TYPE 1a gauge\n', /bad metric name/],
  ['bad label name', 'a{1x="1"} 1\n', /bad label name/],
  ['reserved label name', 'a{__x="1"} 1\n', /reserved/],
  ['label twice', 'a{x="1",x="2"} 1\n', /twice/],
  ['unquoted label value', 'a{x=1} 1\n', /not quoted/],
  ['bad escape in label value', 'a{x="\\t"} 1\n', /bad escape/],
  ['unterminated label value', 'a{x="1} 1\n', /unterminated/],
  ['bad escape in HELP', '# HELP a x\\y\n', /bad escape/],
  ['second HELP', '# HELP a x\n# HELP a y\n', /second HELP/],
  ['second TYPE', '# TYPE a gauge\n# TYPE a gauge\n', /second TYPE/],
  ['unknown TYPE', '# TYPE a thing\n', /bad TYPE/],
  ['TYPE after samples', 'a 1\n# TYPE a gauge\n', /after its samples/],
  ['counter without _total', '# TYPE requests counter\nrequests 1\n', /_total/],
  ['negative counter', '# TYPE r_total counter\nr_total -1\n', /counter r_total is -1/],
  ['not a number', 'a one\n', /not a number/],
  ['bad timestamp', 'a 1 1.5\n', /bad timestamp/],
  ['extra field', 'a 1 2 3\n', /expected "value/],
  ['family split in two groups', 'a{x="1"} 1\nb 1\na{x="2"} 1\n', /not one group/],
  ['series twice', 'a{x="1",y="2"} 1\na{y="2",x="1"} 2\n', /twice/],
  ['histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', /\+Inf/],
  ['histogram not cumulative', '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="2"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n', /cumulative/],
  ['histogram +Inf != count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n', /!= _count/],
  ['summary bad quantile', '# TYPE s summary\ns{quantile="2"} 1\ns_sum 1\ns_count 1\n', /quantile/],
];

t.test('refuses malformed exposition text', async (t) => {
  for (const [what, text, message] of BAD) {
    t.throws(() => parseExposition(text), message, what);
    try {
      parseExposition(text);
    } catch (e) {
      t.ok(e instanceof ExpositionError, `${what}: an ExpositionError`);
    }
  }
});
