import { describe, expect, it } from 'vitest';
import { createGrantTone } from '../src/floor-tone.js';

/** Records what the tone asks of the audio graph. */
class FakeAudioContext {
  state = 'suspended';
  currentTime = 2;
  readonly destination = { name: 'speakers' };
  readonly calls: string[] = [];
  resumes = 0;

  resume(): Promise<void> {
    this.resumes += 1;
    this.state = 'running';
    return Promise.resolve();
  }

  createOscillator(): unknown {
    const calls = this.calls;
    return {
      type: '',
      frequency: { setValueAtTime: (value: number) => calls.push(`frequency ${String(value)}`) },
      connect: (node: unknown) => node,
      start: (at: number) => calls.push(`start ${String(at)}`),
      stop: (at: number) => calls.push(`stop ${at.toFixed(3)}`),
      addEventListener: () => undefined,
    };
  }

  createGain(): unknown {
    const param = {
      setValueAtTime: () => undefined,
      linearRampToValueAtTime: () => undefined,
    };
    return { gain: param, connect: (node: unknown) => node, disconnect: () => undefined };
  }
}

function toneWith(context: FakeAudioContext): ReturnType<typeof createGrantTone> {
  return createGrantTone({ createContext: () => context as unknown as AudioContext });
}

describe('createGrantTone', () => {
  it('plays an 880 Hz tone for 150 ms', () => {
    const context = new FakeAudioContext();
    toneWith(context).play();
    expect(context.calls).toEqual(['frequency 880', 'start 2', 'stop 2.150']);
  });

  it('resumes a suspended context on unlock', () => {
    const context = new FakeAudioContext();
    const tone = toneWith(context);
    tone.unlock();
    tone.unlock();
    expect(context.resumes).toBe(1);
    expect(context.calls).toEqual([]);
  });

  it('does nothing without Web Audio', () => {
    const tone = createGrantTone({ createContext: () => undefined });
    expect(() => tone.play()).not.toThrow();
  });
});
