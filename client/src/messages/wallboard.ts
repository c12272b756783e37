/** The wallboard's words (a TV takes its language from `?lang=`, or the browser's). */
import { type Catalog, formatNumber, messages } from "../i18n.ts";

const en = {
  formHeading: "Set up this wallboard",
  formLabel: "Display token",
  formHint: "The part after `#token=` in the wallboard link your admin issued.",
  formSubmit: "Show",
  noSuchBoard: (id: string) => `No active board '${id}' for this wallboard.`,
  noBoards: "There are no active boards for this wallboard yet.",
  refused: (status: number) => `This wallboard's link was refused (${status}): ask your admin for a new one.`,
  theBoards: "the boards",
  topThree: "Top three",
  theRest: "The rest of the board",
  noScores: "No scores yet this period.",
  hidden: "This board is hidden.",
  celebrations: "Celebrations",
  rotation: (at: number, of: number) => `${formatNumber(at)} / ${formatNumber(of)}`,
};
type WallboardMessages = typeof en;

const sv: WallboardMessages = {
  formHeading: "Ställ in den här väggtavlan",
  formLabel: "Visningstoken",
  formHint: "Delen efter `#token=` i väggtavlans länk från din administratör.",
  formSubmit: "Visa",
  noSuchBoard: (id) => `Ingen aktiv tavla '${id}' för den här väggtavlan.`,
  noBoards: "Det finns inga aktiva tavlor för den här väggtavlan ännu.",
  refused: (status) => `Väggtavlans länk godtogs inte (${status}): be din administratör om en ny.`,
  theBoards: "tavlorna",
  topThree: "Topp tre",
  theRest: "Resten av tavlan",
  noScores: "Inga resultat ännu den här perioden.",
  hidden: "Den här tavlan är dold.",
  celebrations: "Firanden",
  rotation: (at, of) => `${formatNumber(at)} / ${formatNumber(of)}`,
};

const ms: WallboardMessages = {
  formHeading: "Sediakan papan dinding ini",
  formLabel: "Token paparan",
  formHint: "Bahagian selepas `#token=` dalam pautan papan dinding daripada pentadbir anda.",
  formSubmit: "Tunjukkan",
  noSuchBoard: (id) => `Tiada papan aktif '${id}' untuk papan dinding ini.`,
  noBoards: "Belum ada papan aktif untuk papan dinding ini.",
  refused: (status) => `Pautan papan dinding ini ditolak (${status}): minta pautan baharu daripada pentadbir anda.`,
  theBoards: "papan",
  topThree: "Tiga teratas",
  theRest: "Selebihnya di papan",
  noScores: "Belum ada skor dalam tempoh ini.",
  hidden: "Papan ini disembunyikan.",
  celebrations: "Sambutan",
  rotation: (at, of) => `${formatNumber(at)} / ${formatNumber(of)}`,
};

const ar: WallboardMessages = {
  formHeading: "إعداد شاشة الحائط هذه",
  formLabel: "رمز العرض",
  formHint: "الجزء بعد `#token=` في رابط شاشة الحائط الذي أصدره المسؤول.",
  formSubmit: "عرض",
  noSuchBoard: (id) => `لا توجد لوحة نشطة '${id}' لشاشة الحائط هذه.`,
  noBoards: "لا توجد لوحات نشطة لشاشة الحائط هذه بعد.",
  refused: (status) => `تم رفض رابط شاشة الحائط (${status}): اطلب رابطًا جديدًا من المسؤول.`,
  theBoards: "اللوحات",
  topThree: "المراكز الثلاثة الأولى",
  theRest: "بقية اللوحة",
  noScores: "لا توجد نتائج بعد في هذه الفترة.",
  hidden: "هذه اللوحة مخفية.",
  celebrations: "الاحتفالات",
  rotation: (at, of) => `${formatNumber(at)} / ${formatNumber(of)}`,
};

export const m = messages<WallboardMessages>({ en, sv, ms, ar } satisfies Catalog<WallboardMessages>);
