//! Reading the input every analysis command shares: the configuration, the policy
//! paths and the inventory paths, into a normalized tenant.

use std::path::{Path, PathBuf};

use preflight_engine::Config;
use preflight_normalizer::{Tenant, normalize};
use preflight_parser::{FileId, LoadOptions, Syntax, display_path, load};

use crate::UsageError;
use crate::cli::InputLimits;
use crate::config_file::{LoadedConfig, input_filter, load_config};
use crate::progress::Progress;

/// Where to read from.
pub struct InputRequest<'a> {
    /// Policy paths (files or directories); empty: the project directory.
    pub paths: &'a [PathBuf],
    /// Inventory and catalog paths (`--inventory`, `--catalog`), read the same way.
    pub inventory: &'a [PathBuf],
    /// `--config`, when given.
    pub config: Option<&'a Path>,
    /// `--max-file-size` and `--max-files`, when given.
    pub limits: InputLimits,
    /// Whether `paths` are changed files and the whole project is to be read.
    pub whole_project: bool,
}

/// The tenant, with the configuration that applies to it.
pub struct Input {
    /// The normalized tenant (with the configuration file among its files).
    pub tenant: Tenant,
    /// The configuration, or the default one.
    pub config: Config,
    /// The configuration file's id in the tenant, when one was read.
    pub config_file: Option<FileId>,
    /// The directory paths are shown relative to.
    pub base_directory: PathBuf,
    /// The progress display, to finish once output starts.
    pub progress: Progress,
    /// The file size limit in force, for files read apart from the input (plans).
    pub max_file_size: u64,
}

/// Reads and normalizes the input.
pub fn read_input(request: &InputRequest<'_>) -> Result<Input, UsageError> {
    let base_directory = std::env::current_dir()
        .map_err(|error| UsageError(format!("cannot read the current directory: {error}")))?;
    let loaded_config = load_config(request.config, &base_directory)?;
    let mut paths = if request.whole_project || request.paths.is_empty() {
        vec![project_directory(loaded_config.as_ref())]
    } else {
        request.paths.to_vec()
    };
    paths.extend(request.inventory.iter().cloned());
    let progress = Progress::new();
    let mut options = LoadOptions::new(&base_directory);
    options.on_file_read = progress.file_read_callback();
    // The command line, then `[input]` in the configuration, then the defaults.
    let configured = loaded_config.as_ref().map(|loaded| &loaded.config.input);
    if let Some(limit) = request
        .limits
        .max_file_size
        .or_else(|| configured.and_then(|input| input.max_file_size))
    {
        options.max_file_size = limit;
    }
    if let Some(limit) = request
        .limits
        .max_files
        .map(|files| usize::try_from(files).unwrap_or(usize::MAX))
        .or_else(|| configured.and_then(|input| input.max_files))
    {
        options.max_files = limit;
    }
    if let Some(loaded) = &loaded_config {
        options.path_filter = input_filter(loaded, &base_directory)?;
    }
    // `exclude` shapes the policy input; an inventory or catalog directory named
    // on the command line is read whole (a project often excludes its inventory
    // from the policy walk and passes it with `--inventory`).
    options.unfiltered_paths = request.inventory.to_vec();
    let loaded = load(&paths, &options).map_err(|error| UsageError(error.to_string()))?;
    progress.stage("analyzing");
    if loaded.files.is_empty() {
        let shown: Vec<String> = paths
            .iter()
            .map(|path| format!("`{}`", path.display()))
            .collect();
        return Err(UsageError(format!(
            "no input files found under {}",
            shown.join(", ")
        )));
    }
    let mut tenant = normalize(loaded);
    let (config, config_file) = match loaded_config {
        Some(loaded) => {
            let shown = display_path(&loaded.path, &base_directory);
            let id = tenant.add_source_file(loaded.path.clone(), shown, &loaded.text);
            (loaded.config, Some(id))
        }
        None => (Config::default(), None),
    };
    Ok(Input {
        tenant,
        config,
        config_file,
        base_directory,
        progress,
        max_file_size: options.max_file_size,
    })
}

/// The whole project: where the configuration lives, else the current directory.
fn project_directory(config: Option<&LoadedConfig>) -> PathBuf {
    config
        .and_then(|loaded| loaded.path.parent())
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Reads a rollout plan file into the tenant (so findings can point into it) and
/// parses it; mistakes in the plan become `parse-error` problems of the tenant.
pub fn read_plan_file(
    path: &Path,
    input: &mut Input,
) -> Result<Option<preflight_normalizer::plan::RolloutPlan>, UsageError> {
    let bytes = preflight_parser::read_regular_file(path, input.max_file_size)
        .map_err(|message| UsageError(format!("`{}`: {message}", path.display())))?;
    let decoded = preflight_parser::decode::decode(&bytes);
    let shown = display_path(path, &input.base_directory);
    let file = input
        .tenant
        .add_source_file(path.to_path_buf(), shown, &decoded.text);
    // JSON or YAML by extension; any other name is read as JSON, the plan format's default.
    let syntax = Syntax::of_path(path).unwrap_or(Syntax::Json);
    let root = match syntax.parse(&decoded.text) {
        Ok(root) => root,
        Err(error) => {
            input
                .tenant
                .problems
                .push(preflight_parser::InputProblem::parse_error(
                    file,
                    Some(error.span),
                    error.message,
                ));
            return Ok(None);
        }
    };
    let mut problems = Vec::new();
    let plan = preflight_normalizer::plan::read_plan(file, &root, &mut problems);
    input.tenant.problems.extend(problems);
    Ok(plan)
}
