// A panel or dialog that takes focus when it opens and closes on Esc (without Esc also reaching the window,
// where it would stop the answer): spread the result on its root element.
import { useEffect, useRef, type KeyboardEvent, type RefObject } from 'react';

export function useDismissable<Element extends HTMLElement>(
  onClose: () => void,
): { ref: RefObject<Element | null>; tabIndex: -1; onKeyDown: (event: KeyboardEvent) => void } {
  const ref = useRef<Element>(null);
  useEffect(() => ref.current?.focus(), []);
  return {
    ref,
    tabIndex: -1,
    onKeyDown: (event) => {
      if (event.key !== 'Escape') return;
      event.stopPropagation();
      onClose();
    },
  };
}
