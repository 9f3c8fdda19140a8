/**
 * Compose's error output starts with progress, not with the error: v1 writes
 * `Creating volume "x" with default driver` / `Creating x_1 ... error` and then
 * `ERROR: for x_1  Cannot start service x: …`; v2 writes ` Container x-1  Starting` and then
 * `Error response from daemon: …`. ovena's one-line messages keep the error only.
 */
const v1Progress =
  /^(Creating|Starting|Stopping|Removing|Recreating|Pulling|Building)\b.*(\.\.\.( *(done|error))?|with (default|local) driver)$|^Encountered errors while bringing up the project\.?$/;
const v2Progress =
  /^(Container|Volume|Network|Image) \S+\s+(Creating|Created|Starting|Started|Stopping|Stopped|Removing|Removed|Running|Waiting|Healthy|Recreate|Recreated|Pulling|Pulled|Exited)$/;

export function isProgressLine(line: string): boolean {
  const text = line.trim();
  return v1Progress.test(text) || v2Progress.test(text);
}

/**
 * v1's `ERROR: for SERVICE  ` and v2's `Container NAME  ` in front of an error: they only repeat
 * what ovena's message already says.
 */
export function withoutErrorPrefix(line: string): string {
  return line
    .replace(/^ERROR: (for \S+\s+)?/, '')
    .replace(/^(Container|Volume|Network|Image) \S+ +(?=Error)/, '');
}
