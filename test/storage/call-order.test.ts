/** The PostgreSQL store's call ordering over a connection pool (storage/postgres/call-order.ts). */
import { expect } from 'chai';
import { CallOrder } from '../../storage/postgres/call-order.js';

/** A task that runs only when released, recording when it started and finished. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    task: async () => {
      log.push(`start ${name}`);
      await released;
      log.push(`end ${name}`);
      return name;
    },
    release,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CallOrder (PostgreSQL store)', () => {
  it('runs writes of one record one after another in call order, and writes of others at once', async () => {
    const order = new CallOrder();
    const log: string[] = [];
    const [a1, a2, b] = [gate(log, 'a1'), gate(log, 'a2'), gate(log, 'b')];
    const results = [order.write(['m:a'], a1.task), order.write(['m:a'], a2.task), order.write(['m:b'], b.task)];
    await tick();
    expect(log).to.deep.equal(['start a1', 'start b']);
    a1.release();
    await tick();
    expect(log).to.include('start a2');
    a2.release();
    b.release();
    expect(await Promise.all(results)).to.deep.equal(['a1', 'a2', 'b']);
  });

  it('makes a read by id wait only for that record, and a lookup wait for its whole kind', async () => {
    const order = new CallOrder();
    const log: string[] = [];
    const [m, c] = [gate(log, 'm'), gate(log, 'c')];
    void order.write(['m:a'], m.task);
    void order.write(['c:x'], c.task);
    const other = order.read(['m:b'], async () => log.push('read m:b'));
    const conversationLookup = order.read(['c:*'], async () => log.push('lookup c:*'));
    const byId = order.read(['m:a'], async () => log.push('read m:a'));
    await other;
    expect(log).to.deep.equal(['start m', 'start c', 'read m:b']);
    m.release();
    await byId;
    expect(log).to.not.include('lookup c:*');
    c.release();
    await conversationLookup;
    expect(log.slice(-2)).to.deep.equal(['end c', 'lookup c:*']);
  });

  it('runs an exclusive task after every earlier write and before every later one', async () => {
    const order = new CallOrder();
    const log: string[] = [];
    const early = gate(log, 'early');
    void order.write(['o:1'], early.task);
    const exclusive = order.exclusive(async () => log.push('exclusive'));
    const later = order.write(['m:z'], async () => log.push('later'));
    const read = order.read(['i:*'], async () => log.push('read'));
    await tick();
    expect(log).to.deep.equal(['start early']);
    early.release();
    await Promise.all([exclusive, later, read]);
    expect(log.slice(0, 3)).to.deep.equal(['start early', 'end early', 'exclusive']);
    expect(log.slice(3)).to.have.members(['later', 'read']);
    await order.idle();
  });

  it('keeps going after a failed write', async () => {
    const order = new CallOrder();
    const failed = order.write(['m:a'], async () => {
      throw new Error('boom');
    });
    const next = order.write(['m:a'], async () => 'next');
    await failed.catch(() => undefined);
    expect(await next).to.equal('next');
  });
});
