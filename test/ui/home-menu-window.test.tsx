import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { menuItems } from '../../source/ui/home/home-model.ts';
import { menuWindow } from '../../source/ui/home/home-screen.tsx';

describe('home menu window', () => {
  it('shows every entry when they fit', () => {
    const window = menuWindow(0, menuItems.length);
    assert.equal(window.items.length, menuItems.length);
    assert.equal(window.hidden, 0);
  });

  it('keeps the cursor visible at the top, the middle and the end, and counts the rest', () => {
    for (const cursor of [0, Math.floor(menuItems.length / 2), menuItems.length - 1]) {
      const window = menuWindow(cursor, 4);
      assert.equal(window.items.length, 4);
      assert.equal(window.hidden, menuItems.length - 4);
      assert.ok(
        window.items.some((entry) => entry.index === cursor),
        `cursor ${cursor} visible`,
      );
      const indexes = window.items.map((entry) => entry.index);
      assert.deepEqual(
        indexes,
        indexes.map((_, offset) => (indexes[0] ?? 0) + offset),
      );
    }
  });
});
