/* The desk's own words, Chinese and English, in one place. Names of domain things (statuses, actions, alert
 * statuses and actions) are not here: they come from the server with the page (desk-labels). */

/** Pairs shown as "中文 <span class=en>English</span>" (dom.bi). */
export const PAIRS = {
  myDepartmentCases: ["本单位工单", "My department's cases"],
  openCases: ["在办工单", "Open cases"],
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
  noCaseAccess: (me) => `role ${me.role} (${me.role_zh}) cannot use the case desk; it has no case access`,
  keyRefused: (err) =>
    `登录失败：密钥无效、已吊销或无权使用工作台。Sign-in failed: the key is invalid, revoked or not allowed here. (HTTP ${err.status}: ${err.message})`,
  signInFailed: (why) => `登录失败 Sign-in failed — ${why}`,
  savedKeyFailed: (why) => `已保存的密钥不可用，请重新登录。The saved key no longer works; sign in again. (${why})`,
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
  callbackDone: (when, resolved, satisfaction) =>
    `回访 Callback ${when}: ${resolved ? "已解决 solved" : "未解决 not solved"}, 满意度 satisfaction ${satisfaction}`,
  actionDone: (id, zh, en) => `工单 #${id}：${zh}完成 · ${en}: done`,
  actionFailed: (zh, en, why) => `${zh} ${en} 失败 failed — ${why}`,
  openFailed: (id, why) => `工单 #${id} 打开失败 could not be opened — ${why}`,
  // alerts
  snoozeUntil: "暂缓至 Snooze until",
  alertDone: (id, zh, en) => `预警 #${id}：${zh} · Alert #${id}: ${en}`,
  signal: (first, last) => `信号 signal ${first} → ${last}`,
  observed: (observed, expected) => `观测 observed ${observed} / 期望 expected ${expected}`,
  caseCount: (n) => `${n} 件 cases`,
  snoozedUntil: (day) => `暂缓至 snoozed until ${day}`,
};
