// One log line with its ANSI colours, rendered as React text nodes: anser parses the escape
// codes into plain-text segments, and React escapes every segment. No HTML string is ever
// built, so `<img onerror=…>` in a log line is shown as those characters.
import Anser from 'anser';
import { memo } from 'react';

function Ansi({ text }: { text: string }) {
  if (!text.includes('\u001b[')) return <>{text}</>;
  const parts = Anser.ansiToJson(text, { json: true, remove_empty: true });
  return (
    <>
      {parts.map((p, i) => {
        const style: Record<string, string> = {};
        if (p.fg) style.color = `rgb(${p.fg})`;
        if (p.bg) style.backgroundColor = `rgb(${p.bg})`;
        if (p.decorations?.includes('bold')) style.fontWeight = 'bold';
        if (p.decorations?.includes('italic')) style.fontStyle = 'italic';
        if (p.decorations?.includes('underline')) style.textDecoration = 'underline';
        return (
          <span key={i} style={style}>
            {p.content}
          </span>
        );
      })}
    </>
  );
}

export default memo(Ansi);
