import { MAX_PROTECT_DELAY_SECONDS, type OutputLevels } from '@earshot/shared';
import { CaptureLatency } from './capture-latency';
import { ContextClock } from './context-clock';
import { MuteSchedule, overlaps, type TimeSpan, type WordSilence } from './mute-schedule';
import { LEVELS_KEPT_MS, OutputMeter } from './output-meter';
import { dropOlderEntries } from './recent-entries';

const BLEEP_HZ = 1000;
const BLEEP_LEVEL = 0.2;

type Silence = OutputLevels['silences'][number];

/**
 * What the user hears of a captured tab (tab capture mutes the tab itself):
 * tab stream → delay (protect mode) → word silencer → meter → speakers, with a tone that can
 * stand in for a silenced word. The recording stream branches off before the delay, so the
 * recognizer hears everything, undelayed, on this context's clock: its nth sample entered the
 * path n samples after the recording began, however the tab's own stream stalls or jumps.
 */
export class PlaybackPath {
  readonly context = new AudioContext();
  readonly meter: OutputMeter;
  private readonly clock = new ContextClock(this.context);
  private readonly latency: CaptureLatency;
  /** The tab's sound as it enters the path, for the recorder. */
  readonly recordingStream: MediaStream;
  private readonly delay: DelayNode;
  private readonly silencer: GainNode;
  private readonly bleep: GainNode;
  private readonly tone: OscillatorNode;
  /** Words heard in the tab's sound, each as last heard, with the silence reported for it. */
  private heard: (WordSilence & { shown: Silence })[] = [];
  private readonly ahead = new MuteSchedule();
  private bleepOn = false;
  /**
   * Silences asked for (a heard word's latest only), at the wall-clock ms they were to be heard at
   * when asked; kept as the levels are.
   */
  private readonly scheduled: Silence[] = [];

  constructor(stream: MediaStream) {
    const ctx = this.context;
    this.delay = ctx.createDelay(MAX_PROTECT_DELAY_SECONDS);
    this.delay.delayTime.value = 0;
    this.silencer = ctx.createGain();
    this.bleep = ctx.createGain();
    this.bleep.gain.value = 0;
    this.tone = ctx.createOscillator();
    this.tone.frequency.value = BLEEP_HZ;
    const analyser = ctx.createAnalyser();
    const source = ctx.createMediaStreamSource(stream);
    source.connect(this.delay).connect(this.silencer).connect(analyser);
    const recorded = ctx.createMediaStreamDestination();
    // Mono: the recognizer hears one channel, and the encoder's bits all go to it.
    recorded.channelCount = 1;
    source.connect(recorded);
    this.recordingStream = recorded.stream;
    this.latency = new CaptureLatency(
      stream.getAudioTracks()[0] as MediaStreamTrack,
      recorded.stream.getAudioTracks()[0] as MediaStreamTrack,
    );
    this.tone.connect(this.bleep).connect(analyser);
    analyser.connect(ctx.destination);
    this.tone.start();
    this.meter = new OutputMeter(ctx, analyser);
  }

  /** Seconds the tab's sound is held back. */
  get delaySeconds(): number {
    return this.delay.delayTime.value;
  }

  /** Holds the sound back by `seconds` (0: play at once) and chooses silence or a tone for words. */
  configure(delaySeconds: number, bleep: boolean): void {
    if (this.delay.delayTime.value !== delaySeconds) {
      this.delay.delayTime.setValueAtTime(delaySeconds, this.context.currentTime);
    }
    this.bleepOn = bleep;
    this.apply();
  }

  /**
   * Silences the output for a word heard in the tab's sound (context time, the delay already added
   * by the caller). A later reply hears a word's end better than an early one, whose end can run on
   * to where its audio stopped, so the word's new end replaces the one asked for before; its start
   * stays at the earliest heard, as a start moved later would let the word's first sound through.
   */
  silenceWord(silence: WordSilence): void {
    const now = this.context.currentTime;
    const same = (s: WordSilence) => overlaps(s.word, silence.word);
    const before = this.heard.find(same);
    const span = {
      start: Math.min(silence.span.start, before?.span.start ?? Infinity),
      end: silence.span.end,
    };
    if (before && before.span.start === span.start && before.span.end === span.end) return;
    if (before) this.forget(before.shown);
    const shown = this.remember(span, 'heard');
    this.heard = [
      ...this.heard.filter((s) => !same(s) && s.span.end > now),
      { word: silence.word, span, shown },
    ];
    this.apply();
  }

  /**
   * Silences spans announced ahead of time (context time, delay added). `replace` first withdraws
   * the announced spans whose sound the tab has not started to play: sound already in the delay
   * line is still silenced as announced.
   */
  silenceAhead(spans: TimeSpan[], replace: boolean): void {
    const now = this.context.currentTime;
    let changed = replace && this.ahead.withdrawFrom(now + this.delaySeconds);
    for (const span of spans) {
      this.remember(span, 'ahead');
      changed = this.ahead.add(span, now) || changed;
    }
    if (changed) this.apply();
  }

  /** What the user heard lately and the silences asked for on it, in wall-clock ms at the speakers. */
  outputLevels(): OutputLevels {
    return {
      levels: this.meter.recent(),
      silences: [...this.scheduled],
      captureLatency: [...this.latency.history()],
    };
  }

  /** Context time at which the sound the tab plays at wall-clock `ms` comes out (delay included). */
  contextTimeOfWallClock(ms: number): number {
    return this.context.currentTime + (ms + this.latency.ms - Date.now()) / 1000 + this.delaySeconds;
  }

  /** Wall-clock ms at which the tab played the sound that entered the path at context time `time`. */
  wallClockOfContextTime(time: number): number {
    const enteredAtMs = this.clock.wallClockAt(time);
    return enteredAtMs - this.latency.msAt(enteredAtMs);
  }

  async close(): Promise<void> {
    this.meter.stop();
    this.clock.stop();
    this.latency.stop();
    await this.context.close();
  }

  private remember(span: TimeSpan, source: Silence['source']): Silence {
    const wallAt = this.meter.wallClock();
    const silence = { fromMs: wallAt(span.start), toMs: wallAt(span.end), source };
    this.scheduled.push(silence);
    dropOlderEntries(this.scheduled, (s) => s.toMs > Date.now() - LEVELS_KEPT_MS);
    return silence;
  }

  private forget(silence: Silence): void {
    const at = this.scheduled.indexOf(silence);
    if (at >= 0) this.scheduled.splice(at, 1);
  }

  private apply(): void {
    const now = this.context.currentTime;
    const all = MuteSchedule.union([this.ahead], now);
    for (const { span } of this.heard) all.add(span, now);
    program(this.silencer.gain, all.automation(now, 1, 0), now);
    program(this.bleep.gain, all.automation(now, 0, this.bleepOn ? BLEEP_LEVEL : 0), now);
  }
}

function program(param: AudioParam, steps: ReturnType<MuteSchedule['automation']>, now: number): void {
  param.cancelScheduledValues(now);
  for (const step of steps) {
    if (step.kind === 'set') param.setValueAtTime(step.value, step.at);
    else param.linearRampToValueAtTime(step.value, step.at);
  }
}
