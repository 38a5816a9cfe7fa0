// Counts in words: "1 camera", "2 cameras", "1 entry", "2 entries". Every count a page
// shows next to a noun goes through here, so no "1 records" reaches a screen.

/** `count` and the noun that agrees with it; `many` when the plural is not `one` + "s". */
export function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}
