// One line chart card over chart.js. A series may use a second axis on the right, so request
// rate (req/s) and latency (ms) share one chart without one flattening the other.
import { CategoryScale, Chart as ChartJS, Filler, Legend, LinearScale, LineElement, PointElement, Tooltip } from 'chart.js';
import { Line } from 'react-chartjs-2';

ChartJS.register(CategoryScale, LinearScale, PointElement, LineElement, Filler, Tooltip, Legend);

export interface Series {
  label: string;
  data: (number | null)[];
  color: string;
  right?: boolean;
}

const options = (unit: string, rightUnit: string | undefined) => ({
  animation: false as const,
  responsive: true,
  maintainAspectRatio: false,
  interaction: { mode: 'index' as const, intersect: false },
  scales: {
    y: { beginAtZero: true, title: { display: true, text: unit } },
    ...(rightUnit
      ? {
          y1: {
            beginAtZero: true,
            position: 'right' as const,
            title: { display: true, text: rightUnit },
            grid: { drawOnChartArea: false },
          },
        }
      : {}),
    x: { ticks: { maxTicksLimit: 6 } },
  },
  elements: { point: { radius: 0 } },
});

export function Chart({
  title,
  labels,
  series,
  unit,
  rightUnit,
}: {
  title: string;
  labels: string[];
  series: Series[];
  unit: string;
  rightUnit?: string;
}) {
  return (
    <figure className="card chart" aria-label={`${title} chart`}>
      <figcaption>{title}</figcaption>
      <div className="chart-box">
        <Line
          options={options(unit, rightUnit)}
          data={{
            labels,
            datasets: series.map((s) => ({
              label: s.label,
              data: s.data,
              borderColor: s.color,
              backgroundColor: `${s.color}33`,
              fill: !s.right,
              tension: 0.2,
              yAxisID: s.right ? 'y1' : 'y',
            })),
          }}
        />
      </div>
    </figure>
  );
}
