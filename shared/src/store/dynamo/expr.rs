//! A small builder of DynamoDB update expressions: every attribute name and
//! value gets a placeholder, so no expression carries an unused one (real
//! DynamoDB refuses those) or trips over a reserved word.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

#[derive(Default)]
pub(super) struct UpdateExpr {
    sets: Vec<String>,
    removes: Vec<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl UpdateExpr {
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// The placeholder of an attribute name (a dotted path is split).
    pub(super) fn name(&mut self, path: &str) -> String {
        path.split('.')
            .map(|part| {
                let placeholder = format!("#{}", part.replace(|c: char| !c.is_ascii_alphanumeric(), "_"));
                self.names.insert(placeholder.clone(), part.to_owned());
                placeholder
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The placeholder of a value.
    pub(super) fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    pub(super) fn set(mut self, path: &str, value: AttributeValue) -> Self {
        let (n, v) = (self.name(path), self.value(value));
        self.sets.push(format!("{n} = {v}"));
        self
    }

    pub(super) fn remove(mut self, path: &str) -> Self {
        let n = self.name(path);
        self.removes.push(n);
        self
    }

    /// Whether nothing is set or removed.
    pub(super) fn is_empty(&self) -> bool {
        self.sets.is_empty() && self.removes.is_empty()
    }

    /// The update expression, names and values.
    pub(super) fn build(self) -> Built {
        let mut clauses = Vec::new();
        if !self.sets.is_empty() {
            clauses.push(format!("SET {}", self.sets.join(", ")));
        }
        if !self.removes.is_empty() {
            clauses.push(format!("REMOVE {}", self.removes.join(", ")));
        }
        Built {
            update: clauses.join(" "),
            names: (!self.names.is_empty()).then_some(self.names),
            values: (!self.values.is_empty()).then_some(self.values),
        }
    }
}

/// A built update expression with its placeholders.
pub(super) struct Built {
    pub update: String,
    pub names: Option<HashMap<String, String>>,
    pub values: Option<HashMap<String, AttributeValue>>,
}

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

#[cfg(test)]
mod tests;
