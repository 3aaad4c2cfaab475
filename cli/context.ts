/** What a command needs from its process, injected so commands can be run in-process by tests. */
export interface CommandContext {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  version: string;
}
