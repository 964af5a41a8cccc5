/* The desk's own words, Chinese and English, in one place. Names of domain things (statuses, actions, alert
 * statuses and actions) are not here: they come from the server with the page (desk-labels). */

/** Pairs shown as "中文 <span class=en>English</span>" (dom.bi). */
export const PAIRS = {
  commentHeld: ["待审核", "Held"],
  commentApproved: ["已公开", "Approved"],
  commentRejected: ["未通过", "Rejected"],
  approve: ["通过", "Approve"],
  reject: ["不通过", "Reject"],
  publicText: ["公开显示为", "The public sees"],
  myDepartmentCases: ["本单位工单", "My department's cases"],
  openCases: ["工单查询", "Cases"],
  requestType: ["诉求类型", "Request type"],
  previous: ["上一页", "Previous"],
  next: ["下一页", "Next"],
  noReading: ["无研判记录", "No reading recorded"],
  noContact: ["无联系人信息", "No contact recorded"],
  name: ["姓名", "Name"],
  phone: ["电话", "Phone"],
  email: ["邮箱", "E-mail"],
  idNumber: ["证件号", "ID number"],
  channel: ["渠道", "Channel"],
  category: ["类别", "Category"],
  district: ["区", "District"],
  address: ["地址", "Address"],
  department: ["承办部门", "Department"],
  received: ["受理时间", "Received"],
  dispatched: ["派单时间", "Dispatched"],
  signForBy: ["签收时限", "Sign-for by"],
  signedFor: ["签收时间", "Signed for"],
  resolveBy: ["办结时限", "Resolve by"],
  resolved: ["办结时间", "Resolved"],
  closed: ["结案时间", "Closed"],
  counts: ["重办/退单/催办", "Reopened/sent back/reminded"],
  caseCard: ["基本信息", "Case"],
  citizen: ["诉求人", "Citizen"],
  request: ["诉求内容", "Request"],
  reply: ["答复", "Reply"],
  reading: ["研判依据", "Intake's reading"],
  inQueue: ["在人工派单队列中", "Waiting in the dispatch queue"],
  actions: ["办理", "Actions"],
  noAction: ["您的角色对此工单当前状态无可执行操作。", "Your role has no action on this case in its current state."],
  timeline: ["办理过程", "Timeline"],
  joint: ["联合办理", "Joint handling"],
  noParts: ["本工单无协办部分。", "This case has no parts: one department handles it."],
  partTask: ["任务", "Task"],
  partProgress: ["进展", "Progress"],
  refusalReason: ["拒绝原因", "Refused because"],
  assembledReply: ["汇总答复（办结时默认）", "Assembled reply (the default when the lead resolves)"],
  addPart: ["分派协办", "Add a part"],
  whistles: ["吹哨报到", "Whistles"],
  noWhistles: ["尚未吹哨。", "No whistle blown."],
  whistle: ["吹哨", "Whistle"],
  blowWhistle: ["吹哨召集", "Blow the whistle"],
  reportWithin: ["报到时限（小时）", "Report in within (hours)"],
  reportIn: ["报到", "Report in"],
  summonHint: ["召集部门（可多选）", "Departments to summon (choose several)"],
  myParts: ["协办部分", "Parts"],
};

/** Case events that are not actions a person takes (the server names the actions). */
export const EVENT_NAMES = { receive: ["受理", "Received"] };

/** Why intake left a case to a person (triage's `review` codes). */
export const REVIEW_REASONS = { category: "类别 category", route: "派单规则 routing rule" };

/** What an HTTP status means to the person at the desk. */
export const STATUS_WORDS = {
  400: ["输入有误", "Invalid input"],
  401: ["需要登录", "Not signed in"],
  403: ["无权操作或密钥无效", "Not allowed"],
  404: ["不存在", "Not found"],
  409: ["冲突：数据已变化，请刷新后重试", "Conflict"],
  422: ["输入有误", "Invalid input"],
};

/** Plain texts, and texts with blanks filled in. */
export const TEXT = {
  all: "全部 All",
  untitled: "（无标题 untitled）",
  overdue: "超期 Overdue",
  masked: "已脱敏 Masked",
  serverError: ["服务器错误", "Server error"],
  networkError: (why) => `网络错误 Network error: ${why}`,
  httpError: (zh, en, status, why) => `${zh} ${en} (HTTP ${status}): ${why}`,
  range: (from, to, total) => `第 ${from}–${to} 条，共 ${total} 条 · ${from}–${to} of ${total}`,
  // sign in
  noCaseAccess: (me) =>
    `您的角色无权使用工作台 role ${me.role} (${me.role_zh}) cannot use the case desk; it has no case access`,
  keyRefused: (err) => `无权使用工作台。Not allowed to use the desk. (HTTP ${err.status}: ${err.message})`,
  signInFailed: (why) => `无法进入工作台 Could not open the desk — ${why}`,
  // intake's reading
  byModel: (label, confidence, threshold) => `模型 model: ${label} ${confidence} (阈值 threshold ${threshold})`,
  byCitizen: (name) => `市民选择 chosen by citizen: ${name}`,
  suggested: (name) => `建议 suggested: ${name}`,
  readingCategory: "类别 Category: ",
  readingPlace: "地点 Place: ",
  readingRoute: "派单 Route: ",
  readingRepeats: "疑似重复 Likely repeats: ",
  readingDecided: "人工决定 Decided: ",
  readingReview: "需人工 Needs a person: ",
  // dispatching
  categoryAria: "类别 Category",
  chooseCategory: "— 选择类别 choose a category —",
  departmentAria: "部门 Department",
  chooseDepartment: "— 选择部门 choose a department —",
  byRule: "按派单规则 By routing rule",
  byRuleTo: (zh) => `按派单规则 By rule → ${zh}`,
  ruleSends: (zh, en) => `规则派往 Routing sends it to: ${zh} ${en}`,
  noRule: "无派单规则，请选择部门 No rule: choose a department",
  dispatchedTo: (id, department) => `工单 #${id} 已派单至 ${department} · Case #${id} dispatched`,
  // case detail and actions
  replyPlaceholder: "答复市民的内容 Reply to the citizen",
  reasonPlaceholder: "原因 Reason",
  notePlaceholder: "备注 Note",
  targetPlaceholder: "主工单编号 Case it repeats",
  satisfaction: "满意度 Satisfaction",
  solved: " 已解决 Solved",
  notSolved: " 未解决（重办） Not solved (reopen)",
  callbackNote: "回访记录 Callback note",
  callbackCloses:
    "回访即结案：选“已解决”将同时结案（结案 Close）；选“未解决”则重办。Calling back also closes the case when the citizen says it is solved; not solved reopens it.",
  reload: ["重新加载工单", "Reload the case"],
  reloaded: (id, version) => `工单 #${id} 已重新加载（版本 ${version}）· Case #${id} reloaded (version ${version})`,
  callbackDone: (when, resolved, satisfaction) =>
    `回访 Callback ${when}: ${resolved ? "已解决 solved" : "未解决 not solved"}, 满意度 satisfaction ${satisfaction}`,
  actionDone: (id, zh, en) => `工单 #${id}：${zh}完成 · ${en}: done`,
  actionFailed: (zh, en, why) => `${zh} ${en} 失败 failed — ${why}`,
  openFailed: (id, why) => `工单 #${id} 打开失败 could not be opened — ${why}`,
  // the case list, saved views, bulk actions
  cellCategory: "类别 Category",
  cellDepartment: "部门 Department",
  cellSignForBy: "签收时限 Sign-for by",
  cellResolveBy: "办结时限 Resolve by",
  filtersSet: (n) => `（已设 ${n} 项 ${n} set）`,
  pickCase: (id) => `选择工单 #${id} Select case #${id}`,
  chooseView: "— 已保存的视图 saved views —",
  viewNeedsName: "请填写视图名称。Name the view first.",
  viewSaved: (name) => `视图“${name}”已保存（仅本浏览器）· View "${name}" saved (this browser only)`,
  viewDeleted: (name) => `视图“${name}”已删除 · View "${name}" deleted`,
  picked: (n) => `已选 ${n} 件 · ${n} selected`,
  bulkNeedsDepartment: "批量派单：请先选择部门。Bulk dispatch: choose the department first.",
  bulkRunning: (n, department) => `正在派单 ${n} 件至 ${department} … Dispatching ${n}`,
  bulkDone: (id, zh) => `#${id} ✓ ${zh}完成 done`,
  bulkFailed: (id, zh, why) => `#${id} ✗ ${zh}失败 failed — ${why}`,
  bulkSummary: (ok, failed) => `批量操作：成功 ${ok} 件，失败 ${failed} 件 · Bulk: ${ok} done, ${failed} failed`,
  // the new-case form
  chooseChannel: "— 选择渠道 choose a channel —",
  unknownDistrict: "— 未知/自动识别 unknown: read from the place —",
  suggestHint:
    "输入诉求内容后，这里显示建议类别、置信度和疑似重复件。Type what the caller says: the suggested category, its confidence and likely repeats appear here.",
  noModel: (why) =>
    `未安装分类模型，请人工选择类别。No classifier installed: choose the category yourself.${why ? ` (${why})` : ""}`,
  suggestedCategories: "建议类别 Suggested: ",
  notSure: (threshold) =>
    `模型把握不足（低于阈值 ${threshold}），请确认类别。The model is not sure (below the ${threshold} threshold): check the category.`,
  placeRead: (district, sure) => `识别地点 Place read: ${district}${sure}`,
  repeatOf: (id, similarity) => `#${id} 相似度 ${similarity}`,
  located: (district, confidence) => `地点 Place: ${district} · 把握 confidence ${confidence}`,
  notLocated: (why) => `未识别地点 Place not found${why ? ` — ${why}` : ""}`,
  needCategory: "派单前请选择类别。Choose the category to dispatch.",
  needDepartment: "该类别无派单规则，请选择承办部门。No routing rule for this category: choose the department.",
  createFailed: (why) => `受理失败 Could not create the case — ${why}`,
  createdNotDispatched: (id, why) =>
    `工单 #${id} 已受理，但派单失败，请在工单中派单 · Case #${id} created but not dispatched — ${why}`,
  createdDispatched: (id, department) =>
    `工单 #${id} 已受理并派单至 ${department} · Case #${id} created and dispatched`,
  created: (id) => `工单 #${id} 已受理 · Case #${id} created`,
  // alerts
  snoozeUntil: "暂缓至 Snooze until",
  alertDone: (id, zh, en) => `预警 #${id}：${zh} · Alert #${id}: ${en}`,
  signal: (first, last) => `信号 signal ${first} → ${last}`,
  observed: (observed, expected) => `观测 observed ${observed} / 期望 expected ${expected}`,
  caseCount: (n) => `${n} 件 cases`,
  snoozedUntil: (day) => `暂缓至 snoozed until ${day}`,
  // comments (留言审核)
  caseNumber: (id) => `工单 Case #${id}`,
  commentDone: (id, zh, en) => `留言 #${id}：${zh} · Comment #${id}: ${en}`,
  moderatedBy: (who) => `审核人 moderator ${who}`,
  // joint handling (联合办理) and whistles (吹哨报到)
  progressPlaceholder: "办理进展 Progress so far",
  partReplyPlaceholder: "本单位的答复 Your department's answer",
  refusePlaceholder: "拒绝协办的原因 Why this is not yours",
  taskPlaceholder: "协办任务 What this department should do",
  whistlePlaceholder: "事由、地点 Why and where",
  partRole: "主办/协办 Lead or assisting",
  summoned: "召集部门 Departments summoned",
  jointDone: (zh, en) => `${zh}完成 · ${en}: done`,
  partDue: (due, accepted) => `时限 due ${due} · 签收 signed for ${accepted}`,
  reportBy: (due, w) =>
    `报到时限 report by ${due} · 已报到 reported ${w.reported}（迟到 late ${w.late}）· 未报到 missing ${w.missing}`,
};
