//! With the `clap` feature: [`Context`] as a command-line value, so a tool
//! takes `html | attr | js | url | css | log` without a copy of the enum.

use clap::{ValueEnum, builder::PossibleValue};

use crate::Context;

/// The names [`Context::from_str`](std::str::FromStr) takes, each with a
/// one-line help.
impl ValueEnum for Context {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            Self::Html => "HTML text (OWASP Encode.forHtml)",
            Self::HtmlAttribute => "a quoted HTML attribute value (OWASP Encode.forHtml)",
            Self::JsString => "the inside of a JavaScript string literal",
            Self::UrlComponent => "one URL component (path segment or query value)",
            Self::CssString => "the inside of a quoted CSS string",
            Self::LogLine => "one log line",
        };
        Some(PossibleValue::new(self.name()).help(help))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_names_are_the_from_str_names() {
        for context in Context::ALL {
            let value = context.to_possible_value().map(|v| v.get_name().to_owned()).unwrap_or_default();
            assert_eq!(value.parse::<Context>(), Ok(context));
            assert_eq!(<Context as ValueEnum>::from_str(&value, false), Ok(context));
        }
        let names: Vec<String> = Context::value_variants()
            .iter()
            .filter_map(|c| c.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect();
        assert_eq!(names, ["html", "attr", "js", "url", "css", "log"]);
        assert!(<Context as ValueEnum>::from_str("sql", false).is_err());
        // Exact names only, as FromStr.
        assert!(<Context as ValueEnum>::from_str("HTML", false).is_err());
    }
}
