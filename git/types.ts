// What the git service needs from the rest of the platform, injected so git/ never imports
// control/: who a credential belongs to, who may touch which app, and what a push triggers.

export interface GitAccess {
  /** HTTP Basic: any user name, password = API token. Returns the user id or null. */
  userForPassword(password: string): Promise<{ id: string } | null>;
  /** SSH public key auth: the user owning this key (algorithm name + SSH wire-format key blob), or null. */
  userForPublicKey(keyType: string, keyData: Buffer): Promise<{ id: string } | null>;
  /** May this user push to (write) / fetch from (read) this app? false → refuse (404-like, do not reveal existence). */
  mayAccess(userId: string, app: string, mode: 'read' | 'write'): Promise<boolean>;
  /** The branch whose pushes deploy (`main` also deploys `master`); other branches are only stored. */
  deployBranch(app: string): Promise<string>;
}

export interface PushEvent {
  app: string;
  userId: string;
  /** Full ref name of the app's deploy branch, e.g. `refs/heads/main` (or `refs/heads/master`). */
  ref: string;
  /** 40 zeros when the branch is new. */
  oldCommit: string;
  newCommit: string;
  /** The app's bare repository; it holds the pushed commit (not yet on the branch). */
  repoPath: string;
  /**
   * Moves the branch to `newCommit`. Call it when that version goes live, in the order the
   * app's versions go live, so the branch ends on what serves; not at all when the deploy
   * failed or was superseded (the branch then stays where the last live push left it).
   */
  publishRef(): Promise<void>;
}

/**
 * Runs the deploy; every line written to `out` must reach the pusher as a `remote:` line; resolve
 * {ok:false, message} to make the push fail. Other pushes to the app may run their handler meanwhile.
 */
export type PushHandler = (event: PushEvent, out: (line: string) => void) => Promise<{ ok: boolean; message: string }>;
