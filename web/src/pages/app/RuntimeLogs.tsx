// What the app's containers print: the last lines, then live lines as they come.
import { useEffect, useRef, useState } from 'react';
import { apiText, errorText } from '../../api';
import LogViewer from '../../components/LogViewer';
import { ErrorLine } from '../../components/ui';
import { useAppStream } from '../../useRealtime';
import type { AppInfo } from '../../types';

const MAX_LINES = 20_000;

export default function RuntimeLogs({ app }: { app: AppInfo }) {
  const lines = useRef<string[]>([]);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    lines.current = [];
    apiText(`/apps/${app.name}/logs?tail=300`).then(
      (text) => {
        lines.current = [...text.split('\n').filter((l) => l !== ''), ...lines.current];
        setVersion((v) => v + 1);
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, [app.name]);
  const refused = useAppStream<{ replica: string; line: string; stream: string }>(app.name, 'logs', 'app:log', (e) => {
    // Labelled as GET /logs labels the earlier lines (the full replica name), so old and live lines match.
    lines.current.push(`${e.replica} | ${e.line}`);
    if (lines.current.length > MAX_LINES) lines.current.splice(0, lines.current.length - MAX_LINES);
    setVersion((v) => v + 1);
  });
  return (
    <div className="stack">
      <ErrorLine error={error ?? refused} />
      <LogViewer lines={lines.current} version={version} label="Runtime log" />
    </div>
  );
}
