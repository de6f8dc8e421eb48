// Separate network hosts on one Linux machine for tests: one network namespace per "host", each
// joined to a bridge in the root namespace by a veth pair, with addresses in a private /24 that
// exists only on these links. Created and removed by the test (needs root and `ip netns`).

import { execFileSync } from 'node:child_process';

export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The bridge, the namespaces and their addresses of one test file. */
export class NetnsLab {
  /** Short unique prefix of every name (interface names are limited to 15 characters). */
  readonly tag: string;
  readonly subnet: string;
  readonly bridge: string;
  /** The root namespace's address on the bridge: where a master or driver outside the namespaces listens. */
  readonly bridgeAddress: string;

  /**
   * `key`: one letter that keeps two test files apart; `second`: the second octet of the
   * 10.x.y.0/24 subnet (the third is taken from the pid).
   */
  constructor(key: string, second: number, readonly count: number) {
    this.tag = `d${key}${process.pid % 100_000}`;
    this.subnet = `10.${second}.${process.pid % 250}`;
    this.bridge = `${this.tag}br`;
    this.bridgeAddress = `${this.subnet}.1`;
  }

  nsName(i: number): string { return `${this.tag}n${i}`; }
  hostVeth(i: number): string { return `${this.tag}h${i}`; }
  nsVeth(i: number): string { return `${this.tag}e${i}`; }
  nsAddress(i: number): string { return `${this.subnet}.${i + 2}`; }
  /** Command prefix that runs a process inside namespace i. */
  prefix(i: number): string[] { return ['ip', 'netns', 'exec', this.nsName(i)]; }

  /** Why this machine cannot run such a test, or undefined when it can (tries a namespace and a veth pair). */
  whyUnsupported(): string | undefined {
    if (process.platform !== 'linux') return 'network namespaces are Linux-only';
    if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
    const probe = `${this.tag}p`;
    try {
      ip('netns', 'add', probe);
      ip('link', 'add', `${probe}a`, 'type', 'veth', 'peer', 'name', `${probe}b`);
      ip('link', 'add', `${probe}br`, 'type', 'bridge');
    } catch (error) {
      return `ip netns / veth / bridge not permitted here (${(error as Error).message.split('\n')[0]})`;
    } finally {
      try { ip('link', 'del', `${probe}a`); } catch { /* not created */ }
      try { ip('link', 'del', `${probe}br`); } catch { /* not created */ }
      try { ip('netns', 'del', probe); } catch { /* not created */ }
    }
    if (ip('-o', 'addr').includes(` ${this.subnet}.`)) return `subnet ${this.subnet}.0/24 is already in use on this machine`;
    return undefined;
  }

  /** bridge in the root namespace ← veth → one namespace per host. Removes leftovers of a killed run first. */
  setup(): void {
    this.teardown();
    process.once('exit', () => this.teardown());
    ip('link', 'add', this.bridge, 'type', 'bridge');
    ip('addr', 'add', `${this.bridgeAddress}/24`, 'dev', this.bridge);
    ip('link', 'set', this.bridge, 'up');
    for (let i = 0; i < this.count; i++) {
      ip('netns', 'add', this.nsName(i));
      ip('link', 'add', this.hostVeth(i), 'type', 'veth', 'peer', 'name', this.nsVeth(i));
      ip('link', 'set', this.nsVeth(i), 'netns', this.nsName(i));
      ip('link', 'set', this.hostVeth(i), 'master', this.bridge);
      ip('link', 'set', this.hostVeth(i), 'up');
      ip('-n', this.nsName(i), 'addr', 'add', `${this.nsAddress(i)}/24`, 'dev', this.nsVeth(i));
      ip('-n', this.nsName(i), 'link', 'set', this.nsVeth(i), 'up');
      ip('-n', this.nsName(i), 'link', 'set', 'lo', 'up');
    }
  }

  /** Removes everything setup() creates; safe to call at any point (and twice). */
  teardown(): void {
    for (let i = 0; i < this.count; i++) {
      try { ip('netns', 'del', this.nsName(i)); } catch { /* not there */ }
      try { ip('link', 'del', this.hostVeth(i)); } catch { /* went with its namespace */ }
    }
    try { ip('link', 'del', this.bridge); } catch { /* not there */ }
  }

  /** True while any link or namespace of this lab exists. */
  leftovers(): boolean {
    return ip('-o', 'link').includes(this.tag) || ip('netns', 'list').includes(this.tag);
  }
}
