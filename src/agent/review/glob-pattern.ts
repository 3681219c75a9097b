/**
 * A small glob matcher for workspace-relative paths ("/"-separated), enough for escalation rules:
 * `**` any number of directories, `*` anything within one name, `?` one character, `{a,b}` either.
 * A pattern without "/" matches a name at any depth, as in .gitignore ("*.pem", "secrets").
 */
function escapeLiteral(char: string): string {
  return /[.+^$()|[\]\\]/.test(char) ? `\\${char}` : char;
}

function translate(pattern: string): string {
  let out = "";
  let braces = 0;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] ?? "";
    if (char === "*" && pattern[index + 1] === "*") {
      const slashAfter = pattern[index + 2] === "/";
      out += slashAfter ? "(?:.*/)?" : ".*";
      index += slashAfter ? 2 : 1;
    } else if (char === "*") out += "[^/]*";
    else if (char === "?") out += "[^/]";
    else if (char === "{") {
      braces++;
      out += "(?:";
    } else if (char === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (char === "," && braces > 0) out += "|";
    else out += escapeLiteral(char);
  }
  return out;
}

export function globToRegExp(pattern: string): RegExp {
  const anchored = pattern.includes("/") ? pattern.replace(/^\//, "") : `**/${pattern}`;
  // A pattern naming a directory also covers everything under it.
  return new RegExp(`^${translate(anchored)}(?:/.*)?$`, "i");
}

export function matchesAnyGlob(path: string, patterns: readonly string[]): string | undefined {
  return patterns.find((pattern) => globToRegExp(pattern).test(path));
}
