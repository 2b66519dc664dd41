import { defineConfig } from 'wxt';

export default defineConfig({
  manifest: {
    name: 'Earshot',
    description: 'Live captions and word filtering for any tab, computed on your own machine.',
  },
});
