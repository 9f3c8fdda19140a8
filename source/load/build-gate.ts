import type { PostDataItem } from './post-data.ts';

/**
 * What the index builds may touch while the data still loads. The loader commits each table's
 * COPY on its own and reports it; an item may start once every table it names is loaded, so a
 * long build (Orthanc's trigram GIN index) runs beside the rest of the data. Items naming no
 * table wait for the end of the load. While the load runs it takes CPUs too, so fewer sessions
 * build at once. Pure: no I/O.
 */
export class BuildGate {
  readonly #loaded = new Set<string>();
  readonly #listeners = new Set<() => void>();
  #open = false;

  /** `whileLoading`: how many items may build at once before the load ends. */
  constructor(readonly whileLoading: number) {}

  get isOpen(): boolean {
    return this.#open;
  }

  tableLoaded(table: string): void {
    this.#loaded.add(table);
    this.#notify();
  }

  /** The load ended: every item may start, subject only to its dependencies. */
  open(): void {
    this.#open = true;
    this.#notify();
  }

  allows(item: PostDataItem): boolean {
    if (this.#open) return true;
    return item.tables.length > 0 && item.tables.every((table) => this.#loaded.has(table));
  }

  /** Items that may build at once now, given the sessions there are. */
  limit(sessions: number): number {
    return this.#open ? sessions : Math.min(sessions, this.whileLoading);
  }

  /** Calls `listener` whenever more may start; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
