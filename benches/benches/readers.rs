//! The two span-keeping readers on the same IntuneCD-shaped policy: JSON
//! (`json::parse`) against YAML (`yaml::parse`, IntuneCD's `-o yaml`), in bytes
//! per second of the text each reads.
//!
//! Run with `cargo bench -p preflight-benches --bench readers`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use preflight_parser::{json, yaml};
use serde_json::json;

/// A settings catalog policy with `count` choice settings and one assignment, as
/// IntuneCD backs it up.
fn policy(count: usize) -> serde_json::Value {
    let settings: Vec<serde_json::Value> = (0..count)
        .map(|index| {
            let id = format!("device_vendor_msft_policy_config_area{}_setting{index}", index % 40);
            json!({
                "id": index.to_string(),
                "settingInstance": {
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                    "settingDefinitionId": id,
                    "settingInstanceTemplateReference": null,
                    "choiceSettingValue": {
                        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingValue",
                        "settingValueTemplateReference": null,
                        "value": format!("{id}_1"),
                        "children": []
                    }
                }
            })
        })
        .collect();
    json!({
        "description": "",
        "name": "Win - Generated",
        "platforms": "windows10",
        "roleScopeTagIds": ["0"],
        "settingCount": count,
        "technologies": "mdm",
        "settings": settings,
        "assignments": [{"intent": "apply", "source": "direct", "target": {
            "@odata.type": "#microsoft.graph.groupAssignmentTarget",
            "deviceAndAppManagementAssignmentFilterId": null,
            "deviceAndAppManagementAssignmentFilterType": "none",
            "groupName": "Windows - Corporate Devices",
            "groupType": "StaticMembership"
        }}]
    })
}

fn readers(criterion: &mut Criterion) {
    let value = policy(500);
    let json_text = serde_json::to_string_pretty(&value).unwrap_or_default();
    let yaml_text = serde_saphyr::to_string(&value).unwrap_or_default();
    let mut group = criterion.benchmark_group("readers");
    group.throughput(Throughput::Bytes(json_text.len() as u64));
    group.bench_function("json", |bencher| {
        bencher.iter(|| json::parse(black_box(&json_text)).is_ok());
    });
    group.throughput(Throughput::Bytes(yaml_text.len() as u64));
    group.bench_function("yaml", |bencher| {
        bencher.iter(|| yaml::parse(black_box(&yaml_text)).is_ok());
    });
    group.finish();
}

criterion_group!(benches, readers);
criterion_main!(benches);
