import type { ChildProcess } from 'node:child_process';

/** Sends SIGTERM to a child still running and waits until it has exited (nginx removes its pid file then). */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
