import { defineConfig } from 'wxt';
import { TEST_EXTENSION_PUBLIC_KEY } from './test-extension-key';

const pinTestId = process.env.EARSHOT_EXTENSION_KEY === '1';

export default defineConfig({
  // Test builds go elsewhere so they never replace the build a user loaded into Chrome.
  ...(pinTestId ? { outDir: '.output/e2e' } : {}),
  manifest: {
    name: 'Earshot',
    description: 'Live captions and word filtering for any tab, computed on your own machine.',
    permissions: ['tabCapture', 'offscreen', 'storage', 'tabs', 'activeTab', 'scripting'],
    host_permissions: ['http://127.0.0.1:8001/*', 'http://localhost:8001/*'],
    action: { default_title: 'Earshot captions' },
    ...(pinTestId ? { key: TEST_EXTENSION_PUBLIC_KEY } : {}),
  },
});
