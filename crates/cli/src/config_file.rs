//! Finding and reading `preflight.toml`, and showing its mistakes with miette.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use preflight_engine::{Config, ConfigError};
use preflight_parser::{CONFIG_FILE_NAME, display_path};

use crate::UsageError;

/// A configuration file that was read.
pub struct LoadedConfig {
    /// The parsed configuration.
    pub config: Config,
    /// Where it was read from.
    pub path: PathBuf,
    /// Its text, for findings that point into it.
    pub text: String,
}

impl LoadedConfig {
    /// The directory the configuration's relative paths and globs are relative to.
    pub fn directory(&self) -> &Path {
        self.path.parent().unwrap_or_else(|| Path::new("."))
    }
}

/// A filter accepting the files `[input]` selects: globs are matched against the
/// path relative to the configuration file's directory.
pub fn input_filter(
    loaded: &LoadedConfig,
    base: &Path,
) -> Result<Option<preflight_parser::PathFilter>, UsageError> {
    let selection = &loaded.config.input;
    if selection.include.is_empty() && selection.exclude.is_empty() {
        return Ok(None);
    }
    let build = |patterns: &[String]| -> Result<globset::GlobSet, UsageError> {
        let mut set = globset::GlobSetBuilder::new();
        for pattern in patterns {
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|error| {
                    UsageError(format!(
                        "`{}`: invalid glob `{pattern}`: {error}",
                        loaded.path.display()
                    ))
                })?;
            set.add(glob);
        }
        set.build()
            .map_err(|error| UsageError(format!("`{}`: {error}", loaded.path.display())))
    };
    let include = build(&selection.include)?;
    let exclude = build(&selection.exclude)?;
    let include_all = selection.include.is_empty();
    let root =
        std::path::absolute(base.join(loaded.directory())).unwrap_or_else(|_| base.to_path_buf());
    Ok(Some(std::sync::Arc::new(move |path: &Path| {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let relative = display_path(&absolute, &root);
        (include_all || include.is_match(&relative)) && !exclude.is_match(&relative)
    })))
}

/// The configuration at `explicit`, or the first `preflight.toml` in `start` or
/// its parents; `None` when there is none.
pub fn load_config(
    explicit: Option<&Path>,
    start: &Path,
) -> Result<Option<LoadedConfig>, UsageError> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => match start
            .ancestors()
            .map(|directory| directory.join(CONFIG_FILE_NAME))
            .find(|candidate| candidate.is_file())
        {
            Some(found) => found,
            None => return Ok(None),
        },
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|error| UsageError(format!("cannot read `{}`: {error}", path.display())))?;
    match Config::parse(&text) {
        Ok(config) => Ok(Some(LoadedConfig { config, path, text })),
        Err(error) => Err(UsageError(render_config_error(&path, start, &text, &error))),
    }
}

/// The error as a miette report pointing into the file, without colors.
fn render_config_error(path: &Path, base: &Path, text: &str, error: &ConfigError) -> String {
    let shown = display_path(path, base);
    let Some(span) = error.span else {
        return format!("{shown}: {}", error.message);
    };
    let report = miette::MietteDiagnostic::new(format!("invalid configuration: {}", error.message))
        .with_code("config")
        .with_label(LabeledSpan::at(span.range(), "here"));
    let report = miette::Report::new(report)
        .with_source_code(NamedSource::new(shown, Arc::<str>::from(text)).with_language("toml"));
    let mut rendered = String::new();
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    match handler.render_report(&mut rendered, report.as_ref()) {
        Ok(()) => rendered.trim_end().to_owned(),
        Err(_) => format!("{}: {}", path.display(), error.message),
    }
}
