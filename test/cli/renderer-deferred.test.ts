import { describe, expect, it } from 'vitest';
import { whenLoaded, type RunRenderer } from '../../src/cli/renderer.js';
import type { RunnerEvent } from '../../src/runner/events.js';

/** A display that records what it was given, and answers prompts with `answer`. */
function recorder(answer = true) {
  const seen: string[] = [];
  const renderer: RunRenderer = {
    listener: (e) => void seen.push(e.type === 'info' ? e.message : e.type),
    ask: (message) => (seen.push(`ask: ${message}`), Promise.resolve(answer)),
    promptInterrupted: () => true,
    close: () => (seen.push('close'), Promise.resolve()),
  };
  return { seen, renderer };
}

function later<T>() {
  let resolve!: (value: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const info = (message: string): RunnerEvent => ({ type: 'info', message });

describe('a display that is still loading (whenLoaded)', () => {
  it('hands every event over in order once it is there, then passes them straight through', async () => {
    const { seen, renderer } = recorder();
    const loading = later<RunRenderer>();
    const display = whenLoaded(loading.promise);
    display.listener(info('one'));
    display.listener(info('two'));
    expect(seen).toEqual([]);
    expect(display.promptInterrupted?.()).toBe(false);
    loading.resolve(renderer);
    await loading.promise;
    await Promise.resolve();
    display.listener(info('three'));
    expect(seen).toEqual(['one', 'two', 'three']);
    expect(display.promptInterrupted?.()).toBe(true);
  });

  it('a prompt waits for the display and gets its answer; close() closes it after the early events', async () => {
    const { seen, renderer } = recorder(false);
    const loading = later<RunRenderer>();
    const display = whenLoaded(loading.promise);
    display.listener(info('before the gate'));
    const answer = display.ask!('continue?');
    const closed = display.close();
    loading.resolve(renderer);
    expect(await answer).toBe(false);
    await closed;
    expect(seen).toEqual(['before the gate', 'ask: continue?', 'close']);
  });

  it('a display that fails to load stops nothing until close(), which reports it', async () => {
    const loading = later<RunRenderer>();
    const display = whenLoaded(loading.promise);
    loading.reject(new Error('broken install'));
    display.listener(info('ignored'));
    await expect(display.close()).rejects.toThrow('broken install');
  });
});
