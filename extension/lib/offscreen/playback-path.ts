import { MAX_PROTECT_DELAY_SECONDS } from '@earshot/shared';
import { MuteSchedule, type TimeSpan } from './mute-schedule';
import { OutputMeter } from './output-meter';

const BLEEP_HZ = 1000;
const BLEEP_LEVEL = 0.2;

/**
 * What the user hears of a captured tab (tab capture mutes the tab itself):
 * tab stream → delay (protect mode) → word silencer → meter → speakers, with a tone that can
 * stand in for a silenced word. The recorder takes the tab stream directly, so the recognizer
 * hears everything, undelayed.
 */
export class PlaybackPath {
  readonly context = new AudioContext();
  readonly meter: OutputMeter;
  private readonly delay: DelayNode;
  private readonly silencer: GainNode;
  private readonly bleep: GainNode;
  private readonly tone: OscillatorNode;
  private readonly schedule = new MuteSchedule();
  private bleepOn = false;

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
    ctx.createMediaStreamSource(stream).connect(this.delay).connect(this.silencer).connect(analyser);
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

  /** Silences the output over a span of context time (the delay already added by the caller). */
  silence(span: TimeSpan): void {
    if (this.schedule.add(span, this.context.currentTime)) this.apply();
  }

  /** Context time at which the sound the tab plays at wall-clock `ms` comes out (delay included). */
  contextTimeOfWallClock(ms: number): number {
    return this.context.currentTime + (ms - Date.now()) / 1000 + this.delaySeconds;
  }

  async close(): Promise<void> {
    this.meter.stop();
    await this.context.close();
  }

  private apply(): void {
    const now = this.context.currentTime;
    program(this.silencer.gain, this.schedule.automation(now, 1, 0), now);
    program(this.bleep.gain, this.schedule.automation(now, 0, this.bleepOn ? BLEEP_LEVEL : 0), now);
  }
}

function program(param: AudioParam, steps: ReturnType<MuteSchedule['automation']>, now: number): void {
  param.cancelScheduledValues(now);
  for (const step of steps) {
    if (step.kind === 'set') param.setValueAtTime(step.value, step.at);
    else param.linearRampToValueAtTime(step.value, step.at);
  }
}
