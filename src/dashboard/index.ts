export { startDashboardServer, type DashboardServer, type DashboardServerOptions } from './server.js';
export { trackDashboard, type DashboardArtist, type DashboardSources, type DashboardState } from './state.js';
export { dashboardPage } from './page.js';
