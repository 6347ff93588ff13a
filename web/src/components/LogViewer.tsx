// A virtualised log: only the visible rows are in the DOM (react-window), so tens of thousands
// of lines scroll smoothly. It follows the end while the reader is at the bottom and stops
// following when they scroll up.
import { useEffect, useRef, useState } from 'react';
import { List, useListRef, type RowComponentProps } from 'react-window';
import Ansi from './Ansi';

const ROW = 18;

function Row({ index, style, lines }: RowComponentProps<{ lines: string[]; version: number }>) {
  return (
    <div style={style} className="log-row" data-row={index}>
      <Ansi text={lines[index] ?? ''} />
    </div>
  );
}

export default function LogViewer({
  lines,
  version,
  label,
  height = 420,
}: {
  lines: string[];
  version: number;
  label: string;
  height?: number;
}) {
  const listRef = useListRef(null);
  const [follow, setFollow] = useState(true);
  const lastTop = useRef(0);
  // `lines` is mutated as lines arrive, so it may be longer by the time the effect runs than the
  // row count the list was rendered with; scrolling past that count throws and kills the page.
  const rendered = lines.length;
  useEffect(() => {
    if (follow && rendered > 0) listRef.current?.scrollToRow({ index: rendered - 1, align: 'end', behavior: 'instant' });
  }, [version, follow, rendered, listRef]);
  const onScroll = (e: React.UIEvent<HTMLDivElement>): void => {
    const el = e.currentTarget;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW * 2;
    if (el.scrollTop < lastTop.current && !atBottom) setFollow(false);
    else if (atBottom) setFollow(true);
    lastTop.current = el.scrollTop;
  };
  return (
    <div className="log" aria-label={label}>
      <div className="log-bar">
        <span>{lines.length} lines</span>
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
      </div>
      <List
        listRef={listRef}
        rowComponent={Row}
        rowCount={rendered}
        rowHeight={ROW}
        rowProps={{ lines, version }}
        overscanCount={20}
        onScroll={onScroll}
        style={{ height }}
        className="log-body"
        role="log"
      />
    </div>
  );
}
