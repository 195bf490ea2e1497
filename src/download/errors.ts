/**
 * A dataset download that could not complete: the server unreachable, an HTTP error, the
 * connection dropped more times than allowed. Exit code 3, as for a run that could not complete
 * (cli/main.ts); what was received is kept in NAME.zip.part, so the same command resumes it.
 * A download that completed but is wrong (checksum, zip) is an InputError instead (exit 2).
 */
export class DownloadFailed extends Error {
  override readonly name = "DownloadFailed";
  constructor(
    message: string,
    /** Worth another attempt (a dropped connection, 5xx, 429), as opposed to a 404. */
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}
