/**
 * The few extension APIs tests call inside the extension's own pages (page.evaluate runs there,
 * where `chrome` exists); typed here because e2e code is not an extension build.
 */
declare namespace chrome {
  namespace runtime {
    function sendMessage(message: unknown): Promise<unknown>;
    function getManifest(): {
      icons?: Record<string, string>;
      action?: { default_icon?: Record<string, string> };
    };
  }
  namespace commands {
    function getAll(): Promise<{ name?: string; description?: string; shortcut?: string }[]>;
  }
  namespace storage {
    interface Area {
      get(key: string | null): Promise<Record<string, unknown>>;
      set(items: Record<string, unknown>): Promise<void>;
      remove(keys: string | string[]): Promise<void>;
      onChanged: {
        addListener(
          listener: (changes: Record<string, { newValue?: unknown; oldValue?: unknown }>) => void,
        ): void;
      };
    }
    const local: Area;
    const session: Area;
  }
  namespace tabs {
    interface Tab {
      id?: number;
      audible?: boolean;
      url?: string;
    }
    function query(filter: { url?: string }): Promise<Tab[]>;
    function get(tabId: number): Promise<Tab>;
  }
}
