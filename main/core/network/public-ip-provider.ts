/** Something that tells the address the internet sees (STUN, an HTTP echo, the router itself). */
export interface PublicIpProvider {
  /** For messages: "STUN stun.example.net:3478". */
  readonly name: string;
  /** The public address, or throws an Error that says what failed and what to do. */
  lookup(): Promise<string>;
}
