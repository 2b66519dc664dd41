import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { FrameClassifier, SpeechActivityFactory } from '../../streaming/speech-activity';

/** The server's voice activity detection, for every door that needs it; both absent with VAD off. */
export interface VoiceActivity {
  /** Speech gating for a live recording. */
  createSpeechActivity?: SpeechActivityFactory;
  /** Silero VAD frames: where a file's speech is, and realtime turn detection. */
  createVadStream?: () => FrameClassifier;
}

declare module 'fastify' {
  interface FastifyInstance {
    voiceActivity: VoiceActivity;
  }
}

const voiceActivityPlugin: FastifyPluginAsync<VoiceActivity> = async (app, options) => {
  app.decorate('voiceActivity', {
    ...(options.createSpeechActivity ? { createSpeechActivity: options.createSpeechActivity } : {}),
    ...(options.createVadStream ? { createVadStream: options.createVadStream } : {}),
  });
};

export default fp(voiceActivityPlugin, { name: 'voice-activity' });
