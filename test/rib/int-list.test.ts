import t from 'tap';
import { IntList } from '../../src/rib/int-list';

t.test('IntList: push, pop, at and view across growth, clear', (t) => {
  const l = new IntList(2);
  const want: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const v = (i * 2654435761) | 0;
    l.push(v);
    want.push(v);
  }
  t.equal(l.length, 5000);
  t.same(Array.from(l.view()), want, 'every element, in order, after growing from 2');
  t.same(Array.from(l.view(10, 13)), want.slice(10, 13), 'a range');
  t.equal(l.at(4999), want[4999]);
  t.equal(l.pop(), want[4999], 'pop gives the last');
  t.equal(l.length, 4999);
  l.push(-1);
  t.equal(l.at(4999), -1, 'negative values kept');
  l.clear();
  t.equal(l.length, 0, 'empty after clear');
  t.same(Array.from(l.view()), []);
  l.push(7);
  t.same(Array.from(l.view()), [7], 'usable after clear');
  t.end();
});
