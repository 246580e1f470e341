/** What Linux's /proc says about processes and the machine: CPU time, memory, files and sockets. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * How many files this process may open, from /proc. Node raises its soft limit to the hard one at startup, so
 * this is the hard limit (`ulimit -Hn`), and every Node child gets the same.
 */
export function openFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((row) => row.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === 'unlimited' || soft === undefined ? Number.POSITIVE_INFINITY : Number(soft);
}

/** Resident memory of a process, in bytes (VmRSS). */
export function residentBytes(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kib) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib) * 1024;
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, from `getconf CLK_TCK`; 100 when it does not say). */
const clockTicksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user + system) a process has used, in seconds. */
export function cpuSeconds(pid: number): number {
  // Fields after the command name, which is parenthesised and may itself hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond;
}

/** `cpuSeconds` in milliseconds; null when the process cannot be read (no /proc, or gone). */
export function cpuMilliseconds(pid: number): number | null {
  try {
    return cpuSeconds(pid) * 1000;
  } catch {
    return null;
  }
}

/** CPU time all CPUs of the machine spent busy (everything but idle and I/O wait), in seconds, from /proc/stat. */
export function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  return (
    [user, nice, system, irq, softirq, steal].reduce((sum: number, value = 0) => sum + value, 0) / clockTicksPerSecond
  );
}

/** How many files (sockets included) a process holds open. */
export const openDescriptors = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/**
 * Established TCP connections from process `pid` to `port` on this machine, from /proc: its sockets' inodes
 * (/proc/<pid>/fd) matched against the TCP tables of its network namespace.
 */
export function connectionsTo(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  const portSuffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let count = 0;
  for (const table of ['tcp', 'tcp6']) {
    const rows = readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1);
    for (const row of rows) {
      // sl, local address, remote address, state (01: established), queues, timer, retransmits, uid, timeout, inode
      const fields = row.trim().split(/\s+/);
      if (fields[3] === '01' && fields[2]?.endsWith(portSuffix) && inodes.has(fields[9]!)) count++;
    }
  }
  return count;
}
