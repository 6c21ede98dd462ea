//! The message catalogue: what the validator, the loader, the playbook tests and the engine say
//! to people, in both languages, keyed by the kind of message.
//!
//! Every entry is one function that takes the message's values and returns a [`Text`] with the
//! English and the Chinese wording. Both wordings must use every value (the compiler checks it:
//! an unused named argument does not build), so a translation cannot drop a name or a number.
//! The command line prints English unless `--lang zh-CN` is given; the app shows the language
//! it is set to.

use std::fmt::Display;

use serde::{Deserialize, Serialize};

/// A language people read messages and the app in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// The locale key playbook text is looked up with (falling back to the other one).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The string in this language.
    pub fn t(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// One message in both languages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text {
    pub en: String,
    pub zh: String,
}

impl Text {
    /// The wording in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// The wording in `lang`, taken out.
    pub fn take(self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }

    /// Text that reads the same in both languages (a name, a number, a library's own words).
    pub fn same(s: impl Into<String>) -> Self {
        let en = s.into();
        Self { zh: en.clone(), en }
    }
}

/// A line under a Chinese message that keeps another program's own words (a driver's, a
/// parser's, the system's): the explanation is ours, the original is there for whoever asks
/// for help. Empty when there is nothing to add.
pub fn details(original: &str) -> String {
    let original = original.trim();
    if original.is_empty() {
        String::new()
    } else {
        format!("{DETAILS}{original}")
    }
}

/// What starts a [`details`] line.
const DETAILS: &str = "\n详情：";

/// A message and the other program's words of its [`details`] line, if it has one.
pub fn split_details(text: &str) -> (&str, Option<&str>) {
    match text.split_once(DETAILS) {
        Some((m, d)) => (m, Some(d)),
        None => (text, None),
    }
}

/// A YAML parser's message: its own words in English; in Chinese, what it means, with its
/// words on a details line (the common ones explained, the rest said to be a format error).
pub fn yaml(detail: impl Display) -> Text {
    let detail = detail.to_string();
    const KNOWN: &[(&str, &str)] = &[
        (
            "misplaced bracket",
            "括号放错了位置：多了一个括号，或缺了与它配对的括号",
        ),
        (
            "mismatched bracket",
            "括号不配对：“[”要用“]”闭合，“{”要用“}”闭合",
        ),
        ("unclosed bracket", "括号没有闭合：缺少“]”或“}”"),
        ("unclosed quote", "引号没有闭合"),
        ("expected ',' or ']'", "列表没有闭合：缺少“,”或“]”"),
        ("expected ',' or '}'", "映射没有闭合：缺少“,”或“}”"),
        ("unexpected EOF", "文件意外结束：有括号或引号没有闭合"),
        ("unexpected eof", "文件意外结束：有括号或引号没有闭合"),
        (
            "mapping values are not allowed",
            "这里不能写“键: 值”：检查这一行的缩进，含冒号的文字请加引号",
        ),
        (
            "block sequence entries are not allowed",
            "这里不能写“- ”列表项：检查这一行的缩进",
        ),
        (
            "mapping keys are not allowed",
            "这里不能写键：检查这一行的缩进",
        ),
        (
            "did not find expected key",
            "找不到应有的键：检查这一行的缩进",
        ),
        (
            "did not find expected '-' indicator",
            "列表项要以“- ”开头：检查这一行的缩进",
        ),
        (
            "did not find expected node content",
            "这里缺少内容：冒号或“- ”后面要有值",
        ),
        ("simple key expected ':'", "键后面缺少“:”"),
        ("could not find expected ':'", "键后面缺少“:”"),
        ("invalid indentation", "缩进不对"),
        ("wrongly indented", "缩进不对"),
        ("tab cannot be used", "不能用 Tab 缩进：请用空格"),
        ("tabs disallowed", "不能用 Tab 缩进：请用空格"),
        ("found a tab", "这里不能有 Tab：请用空格"),
        ("unknown anchor", "引用了没有定义的锚点（&名字）"),
        (
            "unexpected character",
            "这里有一个不该出现的字符：含特殊字符的文字请加引号",
        ),
        (
            "cannot start any token",
            "这个字符不能出现在开头：含特殊字符的文字请加引号",
        ),
        ("comments must be separated", "“#”注释前要有空格"),
        ("trailing content after", "引号后面还有多余的内容"),
        ("recursion limit", "嵌套太深"),
        ("unknown variant", "这个取值不在可选范围内"),
    ];
    let zh = KNOWN
        .iter()
        .find(|(en, _)| detail.contains(en))
        .map_or("YAML 格式错误", |(_, zh)| zh);
    Text {
        zh: format!("{zh}{}", details(&detail)),
        en: detail,
    }
}

/// A value inside a message: most read the same in both languages; a [`Noun`] or a nested
/// [`Text`] has its own wording in each.
pub trait Localize {
    fn en(&self) -> String;
    fn zh(&self) -> String;
}

impl<T: Display + ?Sized> Localize for T {
    fn en(&self) -> String {
        self.to_string()
    }
    fn zh(&self) -> String {
        self.to_string()
    }
}

impl Localize for Text {
    fn en(&self) -> String {
        self.en.clone()
    }
    fn zh(&self) -> String {
        self.zh.clone()
    }
}

/// An error that people read: its message in either language. The English is its `Display`.
pub trait Localized: Display {
    fn zh(&self) -> String;

    fn text_in(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => Localized::zh(self),
            Lang::En => self.to_string(),
        }
    }
}

macro_rules! nouns {
    ($($(#[$doc:meta])* $name:ident => $en:literal, $zh:literal;)*) => {
        /// The things content is made of, as messages name them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Noun {
            $($(#[$doc])* $name,)*
        }

        impl Localize for Noun {
            fn en(&self) -> String {
                match self {
                    $(Noun::$name => $en.to_owned(),)*
                }
            }
            fn zh(&self) -> String {
                match self {
                    $(Noun::$name => $zh.to_owned(),)*
                }
            }
        }
    };
}

nouns! {
    Playbook => "playbook", "剧本";
    Persona => "persona", "客户画像";
    CustomerType => "customer type", "客户类型";
    ThinkingStyle => "thinking style", "思维风格";
    Locale => "locale", "语言";
    Stage => "stage", "阶段";
    ChecklistItem => "checklist item", "检查项";
    Path => "path", "路线";
    Criterion => "criterion", "评分项";
    Rule => "rule", "规则";
    Concept => "concept", "概念";
    Scenario => "scenario", "场景";
    Turn => "turn", "轮次";
    Ending => "ending", "结局";
    TurnOrEnding => "turn or ending", "轮次或结局";
    StartTurn => "start turn", "起始轮次";
    RevealTurn => "`reveal_persona_after` turn", "`reveal_persona_after`（揭示客户画像的轮次）";
    Choice => "option", "选项";
    PassMark => "`pass_mark`", "`pass_mark`（及格线）";
    GateCap => "`gate_cap`", "`gate_cap`（红线封顶分）";
    Base => "`base`", "`base`（基础分）";
    Cap => "`cap`", "`cap`（封顶分）";
    ChoiceScore => "option score", "选项分数";
    Test => "test", "测试";
    Regex => "regex", "正则表达式";
    Pattern => "pattern", "匹配模式";
}

macro_rules! catalogue {
    ($($(#[$doc:meta])* $name:ident($($arg:ident),*) => $en:literal, $zh:literal;)*) => {
        $(
            $(#[$doc])*
            pub fn $name($($arg: impl Localize),*) -> Text {
                Text {
                    en: format!($en $(, $arg = $arg.en())*),
                    zh: format!($zh $(, $arg = $arg.zh())*),
                }
            }
        )*

        /// Every entry as (key, English, Chinese), for tests and documentation.
        pub const CATALOGUE: &[(&str, &str, &str)] = &[$((stringify!($name), $en, $zh)),*];
    };
}

catalogue! {
    // Words the printed diagnostics are made of.
    severity_error() => "error", "错误";
    severity_warning() => "warning", "警告";
    help() => "help", "提示";

    // Names and references.
    invalid_id(what, id) => "invalid {what} id '{id}'", "{what} id“{id}”无效";
    id_charset() => "use ASCII letters, digits, '-' and '_' only",
        "只能用英文字母、数字、“-”和“_”";
    duplicate_id(what, id, line) => "duplicate {what} id '{id}' (first defined on line {line})",
        "{what} id“{id}”重复（第 {line} 行已定义）";
    duplicate_playbook(id, first) => "duplicate playbook id '{id}' (also used by {first})",
        "剧本 id“{id}”重复（{first} 也用了它）";
    unknown_ref(what, id, known) => "unknown {what} '{id}' (known: {known})",
        "未知的{what}“{id}”（已有：{known}）";
    did_you_mean(name) => "did you mean '{name}'?", "是不是“{name}”？";
    none_defined() => "none defined", "尚未定义";

    // Texts and locales.
    text_missing_locale(locale) => "text has no '{locale}' version", "这段文字缺少“{locale}”版本";
    every_locale(locales) => "every text needs all declared locales: {locales}",
        "每段文字都要写齐声明的语言：{locales}";
    locale_undeclared(locale) => "locale '{locale}' is not declared in `locales`",
        "语言“{locale}”没有在 `locales` 中声明";
    locales_empty() => "`locales` must name at least one locale (e.g. [zh-CN, en])",
        "`locales` 至少要列出一种语言（例如 [zh-CN, en]）";
    version_zero() => "`version` must be 1 or more", "`version` 必须大于等于 1";
    certification_no_scenarios() => "`certification.scenarios` is empty: name the scenarios to pass, or leave it out for all of them",
        "`certification.scenarios` 为空：请列出须通过的场景，或删去这一项表示全部场景";
    certification_points(points) => "a certification minimum of {points} points: give 0 to 100",
        "认证的最低分 {points} 不对：应为 0–100";
    certification_expiry(days, max) => "a certificate that expires after {days} days: give 1 to {max} days (or leave `expires_after_days` out: it never expires)",
        "认证有效期 {days} 天不对：应为 1–{max} 天（删去 `expires_after_days` 表示永不过期）";

    // Numbers.
    percent_range(what, found) => "{what} must be between 0 and 100, found {found}",
        "{what}必须在 0 到 100 之间，实际是 {found}";
    weight_positive(found) => "criterion weight must be greater than 0, found {found}",
        "评分项权重必须大于 0，实际是 {found}";
    points_range(found) => "rule points must be between -100 and 100, found {found}",
        "规则分数必须在 -100 到 100 之间，实际是 {found}";
    zero_points(rule) => "rule '{rule}' gives 0 points", "规则“{rule}”给 0 分";
    premature_points(found) => "a premature move's points must be between -100 and 0, found {found}",
        "不合时宜的动作扣分必须在 -100 到 0 之间，实际是 {found}";
    premature_no_move() => "a premature move names no concept and no `quotes_price: true`",
        "不合时宜的动作既没有列出概念，也没有 `quotes_price: true`";
    branch_min(found) => "branch minimum must be at most 100, found {found}",
        "分支的最低分不能超过 100，实际是 {found}";
    test_range(min, max) => "expected score range [{min}, {max}] must lie within 0–100, min first",
        "期望分数区间 [{min}, {max}] 必须在 0–100 之内，且小值在前";

    // Sizes.
    text_too_long(found, limit) => "text is {found} characters long; the limit is {limit}",
        "文字有 {found} 个字符，上限是 {limit} 个";
    too_many(what, found, limit) => "{found} {what} entries; the limit is {limit}",
        "{what}太多：{found} 个，上限是 {limit} 个";

    // Patterns, phrases and concepts.
    invalid_regex(what, detail) => "invalid {what}: {detail}", "{what}无效：{detail}";
    concept_empty(id) => "concept '{id}' has no words and no patterns",
        "概念“{id}”既没有词语也没有匹配模式";
    concept_add_words() => "add `words: {{ zh-CN: [...], en: [...] }}`",
        "加上 `words: {{ zh-CN: [...], en: [...] }}`";
    concept_empty_list(id, lang) => "concept '{id}': the {lang} word list is empty",
        "概念“{id}”：{lang} 词语列表是空的";
    concept_matches_everything(id) => "concept '{id}': this pattern matches every reply (even an empty one), so the concept would mean nothing",
        "概念“{id}”：这个匹配模式对任何回答（包括空回答）都成立，这个概念就失去了意义";
    concept_extends_nothing(id) => "concept '{id}' has `extend: true`, but no earlier lexicon defines '{id}'",
        "概念“{id}”写了 `extend: true`，但之前的词库里没有“{id}”";
    concept_removes_nothing(id, word) => "concept '{id}': `remove` names '{word}', which the extended concept does not have",
        "概念“{id}”：`remove` 里的“{word}”不在被扩展的概念中";
    concept_remove_without_extend(id) => "concept '{id}': `remove` only works with `extend: true`",
        "概念“{id}”：`remove` 只能和 `extend: true` 一起用";
    concept_include_cycle(path) => "concepts include each other in a circle: {path}",
        "概念之间循环包含：{path}";
    concept_empty_word(id) => "concept '{id}': empty word", "概念“{id}”：有一个空词语";
    concept_word_opposed(word, concept, other) => "'{word}' is a word of '{concept}', but '{other}', which it opposes, recognizes it too: a reply with it counts as both",
        "“{word}”是“{concept}”的词，但与它相对的“{other}”也认得它：含这个词的回答会同时算作两者";
    unknown_concept(id) => "unknown concept '{id}'", "未知的概念“{id}”";
    concepts_where() => "concepts are defined in playbooks/concepts.yaml",
        "概念定义在 playbooks/concepts.yaml 中";
    phrase_list_empty_phrase(name) => "phrase list '{name}' contains an empty phrase",
        "话术列表“{name}”里有空短语";
    unknown_phrase_list(name, known) => "unknown phrase list '@{name}' (known: {known})",
        "未知的话术列表“@{name}”（已有：{known}）";
    empty_phrase() => "empty phrase", "空短语";

    // Structure.
    no_stages() => "a playbook needs at least one stage", "剧本至少需要一个阶段";
    path_split(path) => "the stages of path '{path}' are not next to each other",
        "路线“{path}”的阶段没有连在一起";
    path_together() => "list a route's stages one after another", "把同一路线的阶段依次列在一起";
    no_criteria() => "the rubric needs at least one criterion", "评分标准至少需要一个评分项";
    rule_no_condition(rule) => "rule '{rule}' has no condition", "规则“{rule}”没有任何条件";
    rule_conditions() => "add one of: concept, no_concept, rejects, any, all, none, regex, min_chars, max_chars, question, open_question, mentions_price, quotes_price",
        "加上其中一个：concept、no_concept、rejects、any、all、none、regex、min_chars、max_chars、question、open_question、mentions_price、quotes_price";
    min_over_max(rule, min, max) => "rule '{rule}': min_chars {min} is greater than max_chars {max}",
        "规则“{rule}”：min_chars {min} 大于 max_chars {max}";
    cap_without_gate(rule) => "rule '{rule}' has a `cap` but is not a gate",
        "规则“{rule}”设了 `cap`，但不是红线规则";
    cap_fix() => "add `gate: true`, or remove `cap`", "加上 `gate: true`，或去掉 `cap`";
    script_outside(path) => "script path '{path}' must be a relative path under scripts/",
        "脚本路径“{path}”必须是 scripts/ 下的相对路径";
    script_write_as() => "write it as scripts/NAME.rhai", "写成 scripts/名称.rhai";
    script_not_rhai(path) => "script '{path}' must be a .rhai file", "脚本“{path}”必须是 .rhai 文件";
    script_not_found(path) => "script '{path}' not found", "找不到脚本“{path}”";
    script_no_hook(path, hook) => "script '{path}' has no `{hook}(ctx)` function; the playbook's rules apply",
        "脚本“{path}”没有 `{hook}(ctx)` 函数，按剧本的规则评分";
    scenario_no_stages(id) => "scenario '{id}' must name the stages it trains",
        "场景“{id}”必须写明它练习哪些阶段";
    scenario_no_turns(id) => "scenario '{id}' has no turns", "场景“{id}”没有任何轮次";
    choice_no_criteria(turn) => "multiple-choice turn '{turn}' has no `criteria`: its option scores count for every criterion",
        "选择题轮次“{turn}”没有写 `criteria`：它的选项分数会计入每一个评分项";
    next_one_of() => "`next` must give exactly one of `by_score` or `script`",
        "`next` 只能写 `by_score` 或 `script` 其中一个";
    persona_not_listed(id) => "persona '{id}' is not in this playbook's `personas` list",
        "客户画像“{id}”不在本剧本的 `personas` 列表中";
    free_text_unscored(turn) => "free-text turn '{turn}' has no rule or script that can score it",
        "自由回答轮次“{turn}”没有能给它评分的规则或脚本";
    untested(list) => "scenarios without tests: {list}", "没有测试的场景：{list}";
    unreachable_turn(turn, start) => "turn '{turn}' can never be reached from the start turn '{start}'",
        "从起始轮次“{start}”永远到不了轮次“{turn}”";
    no_exit(turn) => "turn '{turn}' never reaches an ending (a cycle without an exit)",
        "轮次“{turn}”永远走不到结局（循环没有出口）";
    give_exit() => "give one of the turns in the cycle a `next` that leads to an ending",
        "给循环里的某个轮次加一个通向结局的 `next`";
    ending_unreached(id) => "ending '{id}' is never reached", "结局“{id}”永远到不了";
    test_needs_option(turn) => "turn '{turn}' is multiple choice: test it with `option:`",
        "轮次“{turn}”是选择题：测试要用 `option:`";
    test_needs_reply(turn) => "turn '{turn}' takes free text: test it with `reply:`",
        "轮次“{turn}”是自由回答：测试要用 `reply:`";
    test_one_input() => "a test needs exactly one of `reply` or `option`",
        "一个测试只能写 `reply` 或 `option` 其中一个";

    // Files and YAML.
    cannot_read_file(reason) => "cannot read file: {reason}", "无法读取文件：{reason}";
    skipped_link_outside(target) => "skipped: a symbolic link to '{target}', outside the playbooks folder (content is read only from files inside it)",
        "已跳过：这是指向“{target}”的符号链接，在剧本文件夹之外（只读取文件夹里的文件）";
    skipped_not_regular() => "skipped: not a regular file (a FIFO, device or socket); content is read only from regular files",
        "已跳过：不是普通文件（管道、设备或套接字）；只读取普通文件";
    file_too_large(limit) => "file is larger than the {limit} MiB limit for content files",
        "文件超过了内容文件 {limit} MiB 的上限";
    not_utf8() => "file is not valid UTF-8", "文件不是有效的 UTF-8 编码";
    save_utf8() => "save the file as UTF-8", "请把文件另存为 UTF-8 编码";
    file_empty() => "file is empty", "文件是空的";
    expected(want, found) => "expected {want}{found}", "这里应当是{want}{found}";
    found_value(value) => ", found '{value}'", "，实际是“{value}”";
    whole_number() => "a whole number", "整数";
    true_or_false() => "true or false", " true 或 false";
    a_number() => "a number", "数字";
    duplicate_key(key) => "duplicate key '{key}'", "键“{key}”重复";
    duplicate_key_bare() => "duplicate key", "键重复";
    key_once() => "each key may appear only once in a mapping; remove or rename one",
        "同一个映射里每个键只能出现一次：删掉或改名其中一个";
    budget() => "content files are limited in size, nesting depth and aliases",
        "内容文件的大小、嵌套深度和别名数量都有上限";
    null_text() => "expected text here, found nothing", "这里应当有文字，但什么也没有";
    quote_commas() => "inside {{ … }} a ', ' ends the value: put text with commas in quotes",
        "在 {{ … }} 里，“, ”会结束这个值：含逗号的文字要加引号";
    refused_char(what, line, column, how) => "{what} at {line}:{column} {how}: control, bidirectional and invisible characters are not allowed in content",
        "{line}:{column} 处的 {what}{how}：内容中不允许控制字符、双向字符和不可见字符";
    written_in_file() => "is written in the file", "（直接写在文件里）";
    from_escape() => "comes from this escape", "（来自这个转义序列）";
    refused_why() => "such characters can act on a trainee's terminal (an ESCAPE starts a command) or make text read other than it is; remove it",
        "这类字符会作用于学员的终端（ESCAPE 会开始一条命令），或让文字读起来与实际不同；请删掉它";
    top_level_loop() => "a loop at the top level of a script runs again on every hook call (every reply); put it inside a function",
        "脚本顶层的循环会在每次调用钩子（每条回答）时重新运行：请把它放进函数里";
    wrong_argument() => "the function exists, but an argument has the wrong type: `()` comes from a misspelt `ctx` field or phrase list (`ctx.phrases.NAME`)",
        "函数存在，但有参数类型不对：拼错的 `ctx` 字段或话术列表（`ctx.phrases.名称`）会得到 `()`";
    unknown_host_fn(name) => "unknown function {name}", "未知的函数 {name}";
    gender_declared() => "as the scenario or its persona says", "如场景或其人物所写";
    gender_from_context() => "as its context tells", "如场景背景所述";
    gender_female() => "a woman", "女性";
    gender_male() => "a man", "男性";
    pronoun_contradicts(pronoun, scenario, gender, how) => "'{pronoun}' speaks of the customer of scenario '{scenario}' as someone else: the customer is {gender} ({how}); fix the pronoun, or set the scenario's `gender:`",
        "“{pronoun}”与场景“{scenario}”的顾客不符：顾客是{gender}（{how}）；请改正代词，或设置场景的 `gender:`";
    plain_text_in_bilingual(locales) => "one string for every language, but this playbook shows {locales}: trainees of each language read the same words",
        "所有语言共用一个字符串，但这个剧本显示 {locales}：每种语言的学员读到的都是同样的文字";
    plain_text_help() => "write it as {{ zh-CN: …, en: … }}", "写成 {{ zh-CN: …, en: … }}";
    grade_agreement(n, mae, band, rho) => "{n} graded · MAE {mae} · {band}% in your band · Spearman {rho}",
        "已评 {n} 条 · 平均误差 {mae} · {band}% 在你的范围内 · 斯皮尔曼 {rho}";
    grade_row(grade, band, score) => "you {grade} (band {band}) · scored {score}", "你给 {grade}（范围 {band}）· 评分 {score}";
    concepts_knowing(word, n) => "concepts that know '{word}': {n}", "认得“{word}”的概念：{n} 个";
    concept_patterns(n) => "and {n} pattern(s) (salesdojo concepts ID shows them)", "另有 {n} 条模式（salesdojo concepts ID 可查看）";
    version(v) => "version {v}", "第 {v} 版";
    scale_two_points() => "the rubric's scale needs at least two points", "评分尺度 scale 至少要两个点";
    scale_range() => "every number of the rubric's scale is within 0–100", "评分尺度 scale 的每个数都要在 0–100 之间";
    scale_start() => "the rubric's scale starts at [0, 0]: nothing earns nothing", "评分尺度 scale 要从 [0, 0] 开始：没做到的不能给分";
    scale_end() => "the rubric's scale ends at [100, …]", "评分尺度 scale 的最后一个点要在 100";
    scale_order() => "the rubric's scale goes up: each point's first number above the one before, its second never below",
        "评分尺度 scale 要逐点上升：第一个数一个比一个大，第二个数不能变小";
    criterion_averages_for(who) => "Criterion averages for {who}", "{who} 的各评分项平均分";
    practise_next(playbook, scenario, criterion, average, last) => "Practise next: {playbook} / {scenario} (trains {criterion}, average {average}; last practised {last})",
        "建议下一个练习：{playbook} / {scenario}（练的是“{criterion}”，平均 {average}；上次练习 {last}）";
    reviewers_agree(playbook, n, mae) => "{playbook}: {n} overrides, the scorer {mae} points from them on average",
        "{playbook}：{n} 次改分，评分器与之平均相差 {mae} 分";
    reviewers_disagree_most(criterion, bias) => "; they disagree most on '{criterion}' (scorer {bias})",
        "；分歧最大的是“{criterion}”（评分器 {bias}）";
    handed_over(file, attempts, replies) => "The practice history on this computer ({attempts} attempts, {replies} replies) is in {file}: give that one file to your manager, who brings it in with Review scores → Export and import → Import",
        "这台电脑上的练习记录（{attempts} 次练习、{replies} 条回答）已存为 {file}：把这一个文件交给经理，经理在“复盘与成绩 → 导出与导入 → 导入”里导入";
    merged_counts(file, trainees, attempts, replies) => "{file}: +{trainees} trainees, +{attempts} attempts, +{replies} replies",
        "{file}：新增学员 {trainees} 名、练习 {attempts} 次、回答 {replies} 条";
    merged_reviews_left_out(n) => "{n} reviews in the file left out (a review is never taken from a trainee's file)",
        "文件里的 {n} 条复核未导入（复核从不取自学员的文件）";
    merged_verified(verified, mismatch, unverifiable) => "{verified} verified, {mismatch} flagged (stored total differs from its replies), {unverifiable} unverifiable",
        "{verified} 次已核验，{mismatch} 次被标记（记录的总分与回答不符），{unverifiable} 次无法核验";
    merged_verify_stopped() => "verification stopped: the attempts not yet verified are not counted until the next import verifies them",
        "核验已停止：尚未核验的练习在下次导入核验之前不计入";
    grade_saved(file) => "graded: kept in {file}", "已评分：保存在 {file}";
    script_arg_count(name, want, given) => "{name} takes {want} arguments, {given} given",
        "{name} 需要 {want} 个参数，这里给了 {given} 个";
    script_arg_type(name, index, want, given) => "argument {index} of {name} must be {want}, {given} is given",
        "{name} 的第 {index} 个参数应为 {want}，这里是 {given}";
    script_signature(sig) => "it is {sig}", "它的签名是 {sig}";
    script_recursion(caller, callee) => "'{caller}' calls '{callee}', which leads back to '{caller}': nothing bounds how deep it goes but the call-depth limit, which stops the reply with an error",
        "“{caller}”调用“{callee}”，又会回到“{caller}”：除了调用深度上限，没有什么限制它的深度，到了上限这条回答会出错";
    script_endless_loop() => "this loop has no break, return or throw: it runs until the operations limit stops the reply with an error",
        "这个循环里没有 break、return 或 throw：它会一直运行，直到操作数上限让这条回答出错";
    script_points_range(what, value, lo, hi) => "{what} is {value}, outside {lo}..{hi}: scoring stops with an error when this is returned",
        "{what} 是 {value}，超出 {lo}..{hi}：返回它时评分会出错";
    script_text_one_language(locales) => "this text is shown to the trainee in every language, but the playbooks using the script show {locales}",
        "这段文字在所有语言下都会原样显示给学员，但使用这个脚本的剧本显示的是 {locales}";
    script_text_map_help() => "write it once per language: #{{ \"zh-CN\": \"…\", en: \"…\" }}",
        "每种语言写一遍：#{{ \"zh-CN\": \"…\", en: \"…\" }}";
    script_text_missing_locales(missing) => "this text has no {missing} wording, which the playbooks using the script show",
        "这段文字缺少 {missing} 的写法，而使用这个脚本的剧本会显示它";
    unknown_phrase_list_in(name, playbook) => "playbook '{playbook}' has no phrase list '{name}' (ctx.phrases.{name} would be ())",
        "剧本“{playbook}”没有话术列表“{name}”（ctx.phrases.{name} 会得到 ()）";
    unknown_ctx_field(name) => "ctx has no field '{name}'", "ctx 没有字段“{name}”";
    script_error(detail) => "{detail}", "脚本错误：{detail}";

    // Translations.
    translations_of(file) => "translations of {file}:", "{file} 的翻译：";
    missing_locale(locale, path) => "  missing {locale}: {path}", "  缺少 {locale}：{path}";
    retranslate(stale, changed, path) => "  re-translate {stale} ({changed} changed since): {path}",
        "  需要重新翻译 {stale}（{changed} 之后改过）：{path}";
    unrecorded(count) => "  {count} texts not recorded yet: check them, then run `salesdojo validate --locales --accept-translations`",
        "  {count} 段文字还没有记录：核对后运行 `salesdojo validate --locales --accept-translations`";
    translations_ok() => "  every text in every locale, none changed alone", "  每段文字都有各语言版本，没有只改了一种语言的";
    translations_recorded(file) => "recorded the translations of {file}", "已记录 {file} 的翻译";

    // Playbook tests.
    test_scored(score, min, max) => "scored {score}, expected {min}–{max}",
        "得分 {score}，期望 {min}–{max}";
    test_feedback_lacks(list) => "feedback lacks {list}", "反馈中缺少 {list}";
    test_impossible(option, score, min, max) => "option '{option}' always scores {score} (a fixed score, and no score script changes it), so {min}–{max} can never be met",
        "选项“{option}”的分数固定为 {score}（没有评分脚本改变它），{min}–{max} 永远达不到";
    test_not_scored(reason) => "not scored: {reason}", "未能评分：{reason}";
    no_path(playbook, scenario, what) => "{playbook} {scenario}: no path reaches {what}",
        "{playbook} {scenario}：没有任何路径能到达{what}";
    endings(list) => "ending {list}", "结局 {list}";
    any_ending() => "any ending", "任何结局";

    // The command line's last word on a failure.
    error_line(message) => "error: {message}\n", "错误：{message}\n";

    // The app: what it says with values in it (fixed labels are `Lang::t` pairs where shown).
    latest_attempts_shown(shown, most) => "{shown} latest attempts shown (at most {most})",
        "显示最近 {shown} 次练习（最多 {most} 条）";
    rows_waiting(n) => "{n} rows", "{n} 行";
    server_online(schema, skew) => "yes (server schema {schema}, clock skew {skew} s)",
        "是（服务器结构版本 {schema}，时钟相差 {skew} 秒）";
    delete_file_explained(name) =>
        "“{name}” moves to .deleted in your folder and is no longer used; you can move it back.",
        "“{name}”会移到文件夹里的 .deleted，不再使用；需要时可以再移回来。";
    changes_not_saved(name) => "Your changes to “{name}” are not saved.", "“{name}”的修改还没有保存。";
    unsaved_found(lines) => "Unsaved changes from last time were found ({lines} lines).",
        "找到上次未保存的修改（{lines} 行）。";
    errors_in_other_files(n) => "({n} errors in other files)", "（其他文件中还有 {n} 个错误）";
    change_to(fix) => "Change to {fix}", "改为 {fix}";
    tests_passed_failed(passed, failed) => "{passed} passed · {failed} failed", "{passed} 通过 · {failed} 失败";
    tests_heading(passed, failed) => "Tests: {passed} passed, {failed} failed", "测试：{passed} 通过，{failed} 失败";
    tests_on_one_line() => "this playbook's `tests:` is written on one line; write it as a list to add a test",
        "这个剧本的 `tests:` 写在一行里；改写成列表后才能添加测试";
    test_exists(line, min, max) => "This reply is already a test (line {line}, expects {min}–{max}): nothing added.",
        "这条回答已经是测试了（第 {line} 行，期望 {min}–{max} 分），没有重复添加。";
    test_added(min, max) => "Test added (expects {min}–{max}) and saved.", "已添加测试（期望 {min}–{max} 分）并保存。";
    licences_installed(dir) => "The licence texts are installed in {dir}", "许可证全文随安装包放在 {dir}";

    // The review queue.
    queue_gate() => "a conduct gate fired", "行为红线被触发";
    queue_script(n) => "the scoring script failed on {n} of its replies", "{n} 条回答的评分脚本出错";
    queue_mismatch() => "flagged by the verifier: its stored score is not what its replies give",
        "核验未通过：存储的分数与回答重新评分的结果不符";
    queue_unverifiable() => "flagged by the verifier: it could not be re-scored",
        "核验未通过：无法重新评分";
    queue_sign_off() => "the scenario requires a manager's sign-off", "该情景须经理签核";
    queue_near(total, mark) => "total {total} is near the pass mark {mark}", "总分 {total} 接近及格线 {mark}";
    queue_apart(low, high) => "its criteria disagree ({low} to {high})", "各项得分相差悬殊（{low}–{high}）";
    queue_asked(q) => "the trainee asked: {q}", "学员请求复核：{q}";
    review_no_reply(n, of) => "the attempt has no reply #{n} (it has {of}, numbered from #1 as `salesdojo attempt` shows them)",
        "本次练习没有第 #{n} 条回答（共 {of} 条，按 `salesdojo attempt` 所列从 #1 起编号）";
    review_sign_off_unpassed() => "only a passed attempt can be signed off: this one did not pass (override its criteria first if the score is wrong)",
        "只能签核已通过的练习：本次未通过（若评分有误，请先修正各项得分）";
    review_request_empty() => "say what you would like the manager to look at", "请写下希望经理看的问题";
    review_request_unfinished() => "only a finished practice attempt can be reviewed", "只有已完成的练习可以请求复核";
    review_request_not_yours() => "only the trainee whose attempt it is asks for its review", "只有练习者本人可以为这次练习请求复核";
    review_ack_not_yours() => "only the trainee whose attempt it is acknowledges its reviews", "只有练习者本人可以确认收到复核";

    // Certificates.
    cert_need_pass(scenario) => "pass {scenario}", "通过“{scenario}”";
    cert_need_reach(scenario, criterion, min, best) => "reach {min} on {criterion} in a passed {scenario} (best so far {best})",
        "在通过的“{scenario}”中，“{criterion}”达到 {min} 分（目前最好 {best} 分）";
    cert_need_sign_off() => "a manager's sign-off", "经理签核";
    cert_certified(day) => "certified since {day}", "{day} 起已认证";
    cert_certified_signed(day, by) => "certified since {day}, signed off by {by}", "{day} 起已认证，签核人 {by}";
    cert_until(day) => ", until {day}", "，有效期至 {day}";
    cert_awaiting(day) => "earned on {day}, awaiting a manager's sign-off", "{day} 已达标，等待经理签核";
    cert_expired(day) => "expired on {day}: recertification is due", "已于 {day} 过期，需要重新认证";
    cert_revoked(day, by, reason) => "revoked on {day} by {by}: {reason}", "{day} 被 {by} 撤销：{reason}";
    cert_missing() => "not earned yet", "尚未达标";
    cert_sign_off_already() => "this certificate is already signed off", "该认证已经签核过";
    cert_sign_off_unearned() => "only an earned certificate can be signed off: its rules are not met yet",
        "只能签核已达标的认证：认证要求尚未满足";
    cert_recertify_note() => "recertification: the certificate expired", "重新认证：认证已过期";

    // Readiness.
    tier_ready(at) => "ready ({at} or more)", "已就绪（{at} 分及以上）";
    tier_developing(from, to) => "developing ({from} to {to})", "提升中（{from}–{to} 分）";
    tier_needs_work(below) => "needs work (below {below})", "待加强（低于 {below} 分）";
    tier_too_little(n, days) => "too little practice (fewer than {n} attempts in {days} days)",
        "练习太少（{days} 天内不足 {n} 次）";

    // Assignments.
    assignment_assigned() => "assigned, not started", "已布置，未开始";
    assignment_started() => "started", "进行中";
    assignment_passed(on) => "passed on {on}", "{on} 通过";
    assignment_passed_late(on) => "passed late, on {on}", "{on} 通过（逾期）";
    assignment_retake(on, left) => "below the mark: retake from {on} ({left} left)",
        "未达标：{on} 起重练（还可 {left} 次）";
    assignment_no_retakes() => "below the mark, no retakes left", "未达标，重练次数已用完";
    assignment_overdue(days) => "overdue by {days} days", "已逾期 {days} 天";
    assignment_unknown_playbook(id, known) => "unknown playbook '{id}' to assign (practice playbooks: {known})",
        "没有可布置的剧本“{id}”（练习剧本：{known}）";
    assignment_unknown_scenario(id, playbook, known) => "unknown scenario '{id}' in playbook '{playbook}' (known: {known})",
        "剧本“{playbook}”里没有场景“{id}”（已有：{known}）";
    assignment_due_past(due, today) => "the due date {due} is in the past (today is {today})",
        "截止日期 {due} 已经过去（今天是 {today}）";
    assignment_pass_mark(mark) => "pass mark {mark} is outside 0–100", "及格分 {mark} 不在 0–100 之间";
    assignment_unknown_trainee(name, known) => "unknown trainee '{name}' (known: {known})",
        "没有学员“{name}”（已有：{known}）";
    assignment_ambiguous_trainee(name, n) => "{n} trainees are called '{name}': give the id instead",
        "有 {n} 位学员叫“{name}”：请改用 id";
    assignment_unknown_team(name, known) => "unknown team '{name}' (teams with trainees: {known})",
        "没有团队“{name}”（有学员的团队：{known}）";
    assignment_exists(id) => "the same thing is already assigned to them (assignment {id}): nothing stored",
        "已经给他们布置过同样的内容（布置 {id}），没有重复保存";
    assignment_saved(id, who, due) => "assigned ({id}) to {who}, due {due}", "已布置（{id}）给 {who}，截止 {due}";
    assignment_none(name) => "nothing to practise is assigned to '{name}': give a playbook (see `salesdojo list`)",
        "没有布置给“{name}”待练的内容：请给出剧本（见 `salesdojo list`）";
    publish_invalid(report, n) => "not published: {n} errors (nothing stored)\n{report}",
        "未发布：有 {n} 个错误（未保存任何内容）\n{report}";
    publish_tests_fail(lines, n) => "not published: {n} of its tests fail (nothing stored)\n{lines}",
        "未发布：有 {n} 条测试未通过（未保存任何内容）\n{lines}";
    publish_no_playbook() => "not published: the file holds no playbook", "未发布：文件里没有剧本";
    published(id, version, hash, tests) => "published {id} as version {version} ({hash}; {tests} tests passed)",
        "已发布 {id} 第 {version} 版（{hash}；{tests} 条测试通过）";
    publish_unchanged(id, version) => "{id} version {version} already has these files: nothing published",
        "{id} 第 {version} 版的文件与此相同：未重复发布";
    publish_offline() => "this log is joined to a team but the server is not being read: nothing published (your drafts stay here; open the team with --db postgres://LOGIN@HOST/DATABASE to publish)",
        "本机记录已加入团队，但没有连上团队服务器：未发布（草稿仍在本机；用 --db postgres://账号@主机/数据库 打开团队后再发布）";
    file_not_written(path, error) => "cannot write {path}: {error}", "无法写入 {path}：{error}";
    assignment_practise_first(criterion) => "practise first: {criterion}", "先练：{criterion}";
}

/// A file's problems in the editor: `2 errors, 1 warning`.
pub fn problems_count(errors: usize, warnings: usize) -> Text {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    Text {
        en: format!(
            "{}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        ),
        zh: format!("{errors} 个错误，{warnings} 个警告"),
    }
}

/// The last line of `validate`: `ok: 4 playbooks valid (12 scenarios), 0 errors, 2 warnings`.
pub fn validate_summary(
    playbooks: usize,
    scenarios: usize,
    errors: usize,
    warnings: usize,
) -> Text {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    Text {
        en: format!(
            "{}: {} valid ({}), {}, {}",
            if errors == 0 { "ok" } else { "failed" },
            plural(playbooks, "playbook"),
            plural(scenarios, "scenario"),
            plural(errors, "error"),
            plural(warnings, "warning"),
        ),
        zh: format!(
            "{}：{playbooks} 个剧本有效（{scenarios} 个场景），{errors} 个错误，{warnings} 个警告",
            if errors == 0 { "通过" } else { "未通过" },
        ),
    }
}

/// The last line of `test`.
pub fn tests_summary(passed: usize, failed: usize) -> Text {
    Text {
        en: format!("{passed} passed, {failed} failed"),
        zh: format!("{passed} 项通过，{failed} 项失败"),
    }
}

/// An unknown key: the parser's own English (`unknown field `x`, expected one of …`), and the
/// same in Chinese.
pub fn unknown_field(field: &str, expected: &[&str], english: String) -> Text {
    // Keys are YAML as typed: in code style.
    let coded: Vec<String> = expected.iter().map(|k| format!("`{k}`")).collect();
    let known = known_list(coded.iter().map(String::as_str));
    Text {
        en: english,
        zh: format!("未知的字段 `{field}`（可用：{}）", known.zh),
    }
}

/// How many names a list of known names shows before it says how many more there are (the
/// persona library's nine customer types fit).
const KNOWN_SHOWN: usize = 12;

/// `a, b, c` (and how many more past [`KNOWN_SHOWN`]), or "none defined".
pub fn known_list<'a>(known: impl IntoIterator<Item = &'a str>) -> Text {
    let mut all: Vec<&str> = Vec::new();
    for k in known {
        if !all.contains(&k) {
            all.push(k);
        }
    }
    if all.is_empty() {
        return none_defined();
    }
    let mut en = all
        .iter()
        .take(KNOWN_SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    let mut zh = all
        .iter()
        .take(KNOWN_SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join("、");
    if all.len() > KNOWN_SHOWN {
        let more = all.len() - KNOWN_SHOWN;
        en.push_str(&format!(", and {more} more"));
        zh.push_str(&format!("，另有 {more} 个"));
    }
    Text { en, zh }
}

#[cfg(test)]
mod tests {
    /// One way to say something in two languages: a fixed label is a `Lang::t` pair where it
    /// is shown, a message with values in it an entry of this catalogue (which checks both
    /// wordings use every value). No front end builds its own per-language `format!`.
    #[test]
    fn front_ends_word_messages_with_values_through_the_catalogue() {
        let ad_hoc = regex::Regex::new(r"Lang::(Zh|En)\s*=>\s*\{?\s*format!").expect("regex");
        let mut found = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut dirs = vec![root.join("gui"), root.join("cli")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("source folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("source file");
                    for m in ad_hoc.find_iter(&text) {
                        let line = text[..m.start()].lines().count();
                        found.push(format!("{}:{line}", path.display()));
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "per-language format! outside the catalogue (add an entry to src/msg.rs): {found:?}"
        );
    }

    use super::*;

    #[test]
    fn every_entry_has_a_chinese_wording_of_its_own() {
        for (key, en, zh) in CATALOGUE {
            assert!(!en.is_empty() && !zh.is_empty(), "{key}");
            // Entries whose English is only a value still frame it in Chinese.
            assert_ne!(en, zh, "{key} is not translated");
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{key}: {zh}"
            );
        }
    }

    #[test]
    fn both_wordings_carry_every_value() {
        let t = unknown_ref(
            Noun::Persona,
            "stingy",
            known_list(["rational", "stingy_type"]),
        );
        assert_eq!(
            t.en,
            "unknown persona 'stingy' (known: rational, stingy_type)"
        );
        assert_eq!(
            t.zh,
            "未知的客户画像“stingy”（已有：rational、stingy_type）"
        );
        assert_eq!(t.get(Lang::Zh), t.zh);
        assert_eq!(known_list([]).get(Lang::En), "none defined");
    }
}
