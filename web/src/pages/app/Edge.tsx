// The Edge tab: what the gateways do for this app besides proxying. Each concern is its own
// section component under ./edge/ (autoscaling, balancing and redirect, plugins; the sleep
// section goes beside them).
import type { AppInfo } from '../../types';
import AutoscaleSection from './edge/AutoscaleSection';
import PluginsSection from './edge/PluginsSection';
import RoutingSection from './edge/RoutingSection';
import SleepSection from './edge/SleepSection';

export default function Edge({ app, onChange }: { app: AppInfo; onChange: () => void }) {
  return (
    <div className="stack">
      <SleepSection app={app} onChange={onChange} />
      <AutoscaleSection app={app} onChange={onChange} />
      <RoutingSection app={app} onChange={onChange} />
      <PluginsSection app={app} onChange={onChange} />
    </div>
  );
}
