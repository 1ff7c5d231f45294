/**
 * A progress bar on a terminal (one line redrawn in place, at most ten times a second), plain lines elsewhere (CI,
 * a pipe, a file): one line when the work starts, then at most one every `plainIntervalMs`, and one at the end.
 */
import type { Io } from './io';

export interface ProgressOptions {
  /** What is counted (`moved`, `requests`). */
  readonly label: string;
  readonly total?: number;
  /** Between two plain lines when the output is not a terminal. @default 2000 */
  readonly plainIntervalMs?: number;
}

export class Progress {
  private readonly started: number;
  private lastDraw = -Infinity;
  private done = 0;
  private total?: number;
  private extra = '';
  private drawnOnce = false;
  private finished = false;

  constructor(private readonly io: Io, private readonly options: ProgressOptions) {
    this.started = io.now();
    this.total = options.total;
  }

  private get tty(): boolean {
    return this.io.out.isTTY === true;
  }

  /** `extra`: a few words after the counts (`5 failed`). */
  update(done: number, total?: number, extra = ''): void {
    if (this.finished) return;
    this.done = done;
    if (total !== undefined) this.total = total;
    this.extra = extra;
    const now = this.io.now();
    const interval = this.tty ? 100 : (this.options.plainIntervalMs ?? 2000);
    if (!this.drawnOnce || now - this.lastDraw >= interval) this.draw(now);
  }

  /** Draws the last state (and ends the terminal's line). */
  finish(): void {
    if (this.finished) return;
    this.draw(this.io.now());
    if (this.tty) this.io.out.write('\n');
    this.finished = true;
  }

  /** Per second since the start. */
  rate(now = this.io.now()): number {
    const seconds = (now - this.started) / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  private draw(now: number): void {
    this.lastDraw = now;
    this.drawnOnce = true;
    const total = this.total;
    const counts = total !== undefined ? `${this.done}/${total}` : `${this.done}`;
    const percent = total ? ` ${Math.min(100, Math.floor((this.done / total) * 100))}%` : '';
    const text = `${this.options.label} ${counts}${percent} ${this.rate(now).toFixed(1)}/s${this.extra ? `, ${this.extra}` : ''}`;
    if (!this.tty) {
      this.io.out.write(`${text}\n`);
      return;
    }
    const width = 24;
    const filled = total ? Math.min(width, Math.round((this.done / total) * width)) : 0;
    const bar = total ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
    this.io.out.write(`\r\x1b[2K${bar}${text}`);
  }
}
