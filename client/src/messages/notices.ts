/**
 * Celebrations and nudges in the page's language, composed from the frame's fields (the frame's
 * `message` is English, kept for API clients and as the fallback when a field is missing).
 */
import type { CelebrationFrame, NudgeFrame } from "../../../protocol/index.ts";
import { formatScore } from "../format.ts";
import { type Catalog, formatNumber, messages } from "../i18n.ts";

type PeriodKind = NonNullable<CelebrationFrame["period"]>;

const en = {
  colleague: "A colleague",
  you: "You",
  earned: (who: string, badge: string) => `${who} earned ${badge}`,
  points: (points: string) => `+${points} points`,
  goal: (who: string, metric: string, period: PeriodKind, target: string) => `${who} hit the ${period}'s ${metric} goal (${target})`,
  firstPlace: (who: string, board: string) => `${who} took first place on ${board}`,
  kudos: (who: string) => `${who} received kudos`,
  overtaken: (board: string, rank: string) => `You were overtaken on ${board}: you are now #${rank}`,
  withinReach: (rank: string, board: string) => `#${rank} on ${board} is within reach`,
  toGo: (gap: string) => `${gap} to go`,
  closeToGoal: (gap: string, metric: string, target: string) => `${gap} more ${metric} to your goal of ${target}`,
};
type NoticeMessages = typeof en;

const SV_PERIOD: Record<PeriodKind, string> = { day: "dagens", week: "veckans", month: "månadens", quarter: "kvartalets" };
const sv: NoticeMessages = {
  colleague: "En kollega",
  you: "Du",
  earned: (who, badge) => `${who} fick ${badge}`,
  points: (points) => `+${points} poäng`,
  goal: (who, metric, period, target) => `${who} nådde ${SV_PERIOD[period]} mål för ${metric} (${target})`,
  firstPlace: (who, board) => `${who} tog förstaplatsen på ${board}`,
  kudos: (who) => `${who} fick beröm`,
  overtaken: (board, rank) => `Du blev omkörd på ${board}: du är nu #${rank}`,
  withinReach: (rank, board) => `#${rank} på ${board} är inom räckhåll`,
  toGo: (gap) => `${gap} kvar`,
  closeToGoal: (gap, metric, target) => `${gap} till i ${metric} till ditt mål på ${target}`,
};

const MS_PERIOD: Record<PeriodKind, string> = { day: "hari ini", week: "minggu ini", month: "bulan ini", quarter: "suku tahun ini" };
const ms: NoticeMessages = {
  colleague: "Seorang rakan sekerja",
  you: "Anda",
  earned: (who, badge) => `${who} memperoleh ${badge}`,
  points: (points) => `+${points} mata`,
  goal: (who, metric, period, target) => `${who} mencapai sasaran ${metric} ${MS_PERIOD[period]} (${target})`,
  firstPlace: (who, board) => `${who} mendahului di ${board}`,
  kudos: (who) => `${who} menerima pujian`,
  overtaken: (board, rank) => `Anda telah dipintas di ${board}: kini anda #${rank}`,
  withinReach: (rank, board) => `#${rank} di ${board} hampir dicapai`,
  toGo: (gap) => `${gap} lagi`,
  closeToGoal: (gap, metric, target) => `${gap} lagi ${metric} untuk sasaran anda ${target}`,
};

const AR_PERIOD: Record<PeriodKind, string> = { day: "اليوم", week: "الأسبوع", month: "الشهر", quarter: "الربع" };
const ar: NoticeMessages = {
  colleague: "أحد الزملاء",
  you: "أنت",
  earned: (who, badge) => `${who} حصل على ${badge}`,
  points: (points) => `+${points} نقطة`,
  goal: (who, metric, period, target) => `${who} حقق هدف ${metric} لهذا ${AR_PERIOD[period]} (${target})`,
  firstPlace: (who, board) => `${who} احتل المركز الأول في ${board}`,
  kudos: (who) => `${who} تلقى إشادة`,
  overtaken: (board, rank) => `تم تجاوزك في ${board}: أنت الآن في المركز ${rank}`,
  withinReach: (rank, board) => `المركز ${rank} في ${board} في متناولك`,
  toGo: (gap) => `يتبقى ${gap}`,
  closeToGoal: (gap, metric, target) => `يتبقى ${gap} من ${metric} لبلوغ هدفك ${target}`,
};

const m = messages<NoticeMessages>({ en, sv, ms, ar } satisfies Catalog<NoticeMessages>);

/** What a page knows of a board: its name, and its metric's unit once a snapshot has told it. */
export type BoardLookup = (id: string) => { name: string; unit?: string | undefined } | undefined;

/** The notice's words in the page's language. */
export function noticeText(frame: CelebrationFrame | NudgeFrame, lookup: BoardLookup): string {
  const known = lookup(frame.board);
  const board = known?.name;
  const n = (value: number | undefined) => (value === undefined ? undefined : formatNumber(value));
  const badgeOf = (badge: { icon: string; name: string }) => `${badge.icon} ${badge.name}`;
  if (frame.type === "celebration") {
    const who = frame.me ? m.you : (frame.agent?.name ?? m.colleague);
    switch (frame.kind) {
      case "badge":
        return frame.badge ? m.earned(who, badgeOf(frame.badge)) : frame.message;
      case "goal":
        return frame.metric && frame.period && frame.target !== undefined ? m.goal(who, frame.metric.label, frame.period, n(frame.target)!) : frame.message;
      case "first_place":
        return board ? m.firstPlace(who, board) : frame.message;
      case "kudos":
        return frame.note ? `${m.kudos(who)}: “${frame.note}”` : m.kudos(who);
    }
  }
  switch (frame.kind) {
    case "overtaken":
      return board && frame.rank !== undefined ? m.overtaken(board, n(frame.rank)!) : frame.message;
    case "within_reach":
      if (!board || frame.rank === undefined) return frame.message;
      if (frame.gap === undefined) return m.withinReach(n(frame.rank)!, board);
      // The gap in the board's unit (2:30 for seconds, $40); without the unit, as a bare number.
      return `${m.withinReach(n(frame.rank)!, board)}: ${m.toGo(known?.unit === undefined ? n(frame.gap)! : formatScore(frame.gap, known.unit))}`;
    case "close_to_goal":
      return frame.gap !== undefined && frame.target !== undefined && frame.metric ? m.closeToGoal(n(frame.gap)!, frame.metric.label, n(frame.target)!) : frame.message;
    case "badge_earned":
      if (!frame.badge) return frame.message;
      return frame.points ? `${m.earned(m.you, badgeOf(frame.badge))} (${m.points(n(frame.points)!)})` : m.earned(m.you, badgeOf(frame.badge));
  }
}
