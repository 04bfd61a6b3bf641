/**
 * The error an integration entry point (`yieldos/mcp`, `yieldos/otel`) throws on import when its
 * optional peer dependency is not installed: it names the package, the version range and how to
 * install it. Any other load error is returned unchanged.
 */
export function missingPeer(error: unknown, entry: string, pkg: string, range: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const text = error instanceof Error ? error.message : String(error);
  const notFound =
    code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" || /Cannot find (module|package)|Failed to resolve/i.test(text);
  if (!notFound || !text.includes(pkg)) return error;
  return new Error(`${entry} needs the optional peer dependency ${pkg} ${range}, which is not installed: run \`npm install ${pkg}@"${range}"\``, {
    cause: error,
  });
}
