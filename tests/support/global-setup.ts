import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The run's safety net: every test worker gets one temporary folder (TMPDIR) for the whole run, and at the
 * end anything still running from it (an influxd, an ffmpeg, a camera simulator) is killed and the folder
 * removed, even when a test file or its worker crashed before its own cleanup. What had to be cleaned here is
 * printed: each test file should have stopped it itself (tests/support/scope.ts).
 */
export default function setup(): () => void {
  const runDir = mkdtempSync(path.join(tmpdir(), 'lookout-tests-'));
  // Passing through only (no listing) for other users: PostgreSQL runs as `postgres` under root, in a folder here.
  chmodSync(runDir, 0o711);
  process.env.TMPDIR = runDir;
  return () => {
    const leaked = processesMentioning(runDir);
    for (const { pid } of leaked) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // Tools keep caches and logs of their own here (tsx-0, chromium's mat-debug-*.log); ours are named lookout-*.
    const leftovers = readdirSync(runDir).filter((name) => name.startsWith('lookout-'));
    rmSync(runDir, { recursive: true, force: true });
    if (leaked.length > 0 || leftovers.length > 0) {
      const names = leaked.map((p) => `${p.name}[${p.pid}]`);
      console.warn(
        `test cleanup: ${leaked.length} process(es) still running (${names.join(', ') || 'none'}), ${leftovers.length} temporary folder(s) left (${leftovers.join(', ')}); removed`,
      );
    }
  };
}

/** Processes (not ourselves) whose command line mentions `text`, read from /proc. */
export function processesMentioning(text: string): Array<{ pid: number; name: string }> {
  const found: Array<{ pid: number; name: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((arg) => arg.includes(text)))
        found.push({ pid: Number(entry), name: path.basename(argv[0] ?? '?') });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}
