"""Grid management (网格化管理): cells and grid workers, inspections through the case intake, patrols, KPIs."""
