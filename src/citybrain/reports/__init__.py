"""Reports for officers: the periodic KPI and ranking report (月度考核报告) and reply quality (答复意见评价)."""
