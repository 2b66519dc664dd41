import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { FileIntake, type FileIntakeOptions } from '../file-intake';

declare module 'fastify' {
  interface FastifyInstance {
    /** The file path and job list every door's uploads go through. */
    files: FileIntake;
  }
}

/** One file intake and job list for the whole server; jobs are cancelled when it closes. */
const filesPlugin: FastifyPluginAsync<FileIntakeOptions> = async (app, options) => {
  const files = new FileIntake(app, options);
  app.decorate('files', files);
  app.addHook('onClose', async () => files.close());
};

export default fp(filesPlugin, { name: 'files', dependencies: ['models', 'usage', 'voice-activity'] });
