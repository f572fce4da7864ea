/**
 * The short tone that signals to the user that the floor is granted, made with the Web Audio API (an
 * oscillator, no audio file).
 *
 * @module
 */

/** Options of {@link createGrantTone}. */
export interface GrantToneOptions {
  /** Creates the audio context, or returns undefined without Web Audio; default `new AudioContext()`. */
  readonly createContext?: () => AudioContext | undefined;
  /** Default 880 Hz. */
  readonly frequencyHz?: number;
  /** Default 150 ms. */
  readonly durationMs?: number;
}

/** A tone that is ready to play. */
export interface GrantTone {
  /**
   * Creates or resumes the audio context. Browsers start audio only after a user gesture, so the
   * app calls this from one, such as the press of the talk button.
   */
  unlock(): void;
  /** Plays the tone once; does nothing where the browser has no Web Audio API. */
  play(): void;
}

/** Peak gain of the tone, low enough not to startle a user wearing a headset. */
const PEAK_GAIN = 0.2;

/** Length of the fade in and out, in seconds, that keeps the tone free of clicks. */
const RAMP_SECONDS = 0.01;

/** Creates the grant tone. The audio context is created on the first unlock or play. */
export function createGrantTone(options: GrantToneOptions = {}): GrantTone {
  const createContext = options.createContext ?? defaultContext;
  const frequencyHz = options.frequencyHz ?? 880;
  const seconds = (options.durationMs ?? 150) / 1000;
  let context: AudioContext | undefined;

  const ready = (): AudioContext | undefined => {
    context ??= createContext();
    // A context made before any gesture starts suspended; resume() fails until there is one.
    if (context?.state === 'suspended') context.resume().catch(() => undefined);
    return context;
  };

  return {
    unlock: () => {
      ready();
    },
    play: () => {
      const audio = ready();
      if (audio === undefined) return;
      const start = audio.currentTime;
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.setValueAtTime(frequencyHz, start);
      gain.gain.setValueAtTime(0, start);
      gain.gain.linearRampToValueAtTime(PEAK_GAIN, start + RAMP_SECONDS);
      gain.gain.setValueAtTime(PEAK_GAIN, start + seconds - RAMP_SECONDS);
      gain.gain.linearRampToValueAtTime(0, start + seconds);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start);
      oscillator.stop(start + seconds);
      oscillator.addEventListener('ended', () => gain.disconnect());
    },
  };
}

function defaultContext(): AudioContext | undefined {
  return typeof AudioContext === 'function' ? new AudioContext() : undefined;
}
