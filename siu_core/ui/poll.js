// How long an open tab waits between two looks at the inbox. Fast while things change or the teammate
// is working; stretching to POLL_IDLE_SECONDS while nothing changes and nobody touches the page, since an
// idle tab's polls were most of the bill of a shop with no messages. siu_core/deploy/cost.py counts the
// same schedule (tests/test_cost.py checks the two agree).

/** Seconds between polls after a change, a click or a key (and at the start). */
export const POLL_FAST_SECONDS = 4;
/** The longest wait while nothing changes and nobody uses the page. */
export const POLL_IDLE_SECONDS = 30;
/** Each poll that finds nothing new waits this many times longer than the last, up to POLL_IDLE_SECONDS. */
export const POLL_GROWTH = 1.5;

/** The wait before the next poll: back to the fast pace after a change, else a little longer. */
export function nextPollSeconds(current, changed) {
  if (changed) return POLL_FAST_SECONDS;
  return Math.min(POLL_IDLE_SECONDS, Math.max(POLL_FAST_SECONDS, current) * POLL_GROWTH);
}
