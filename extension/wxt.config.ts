import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'wxt';
import { ICON_SIZES, iconPng } from './icon/earshot-icon';
import { TEST_EXTENSION_PUBLIC_KEY } from './test-extension-key';

const pinTestId = process.env.EARSHOT_EXTENSION_KEY === '1';
const icons = Object.fromEntries(ICON_SIZES.map((size) => [size, `icons/${size}.png`]));

export default defineConfig({
  // Test builds go elsewhere so they never replace the build a user loaded into Chrome.
  ...(pinTestId ? { outDir: '.output/e2e' } : {}),
  manifest: {
    name: 'Earshot',
    description: 'Live captions and word filtering for any tab, computed on your own machine.',
    permissions: ['tabCapture', 'offscreen', 'storage', 'tabs', 'activeTab', 'scripting', 'webNavigation'],
    host_permissions: ['http://127.0.0.1:8001/*', 'http://localhost:8001/*'],
    icons,
    action: { default_title: 'Earshot captions', default_icon: icons },
    // Users change the keys at chrome://extensions/shortcuts.
    commands: {
      'toggle-captions': {
        suggested_key: { default: 'Alt+Shift+C' },
        description: 'Turn captions on or off on the current tab',
      },
    },
    ...(pinTestId ? { key: TEST_EXTENSION_PUBLIC_KEY } : {}),
  },
  hooks: {
    // The icons are drawn by icon/earshot-icon.ts at every size on each build; none is committed.
    'build:publicAssets': (wxt, files) => {
      const dir = join(wxt.config.wxtDir, 'icons');
      mkdirSync(dir, { recursive: true });
      for (const size of ICON_SIZES) {
        const file = join(dir, `${size}.png`);
        writeFileSync(file, iconPng(size));
        files.push({ absoluteSrc: file, relativeDest: `icons/${size}.png` });
      }
    },
  },
});
