// Puts focus in the question box: after Stop, an error, removing a chart or choosing Edit & resend, so the
// keyboard is where the trader's next step is, never lost to the page.
export const QUESTION_ID = 'question';

export function focusQuestion(): void {
  const box = document.getElementById(QUESTION_ID);
  if (box instanceof HTMLTextAreaElement) {
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }
}
