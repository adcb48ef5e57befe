//! One TLS client configuration per function, shared by its two HTTPS
//! clients: the console's (reqwest) and the AWS SDK's.
//!
//! Both trust the same roots, Mozilla's set compiled into the binary
//! (webpki-root-certs): nothing is read from the system's certificate store,
//! neither at start nor at the first request. The console and the AWS
//! endpoints are served under public CAs. Both use rustls with aws-lc-rs.

use std::sync::{Arc, OnceLock};

use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

/// The trusted roots and the client configuration built on them.
#[derive(Debug, Clone)]
pub struct Tls {
    roots: Arc<[CertificateDer<'static>]>,
    client: Arc<ClientConfig>,
}

impl Tls {
    /// The process's configuration on the compiled-in roots, built once.
    pub fn shared() -> &'static Tls {
        static SHARED: OnceLock<Tls> = OnceLock::new();
        SHARED.get_or_init(|| Tls::with_roots(webpki_root_certs::TLS_SERVER_ROOT_CERTS.to_vec()))
    }

    /// A configuration that trusts exactly `roots` (certificates that do not
    /// parse as trust anchors are left out).
    pub fn with_roots(roots: Vec<CertificateDer<'static>>) -> Self {
        let mut store = RootCertStore::empty();
        store.add_parsable_certificates(roots.iter().cloned());
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut client = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|builder| builder.with_root_certificates(store).with_no_client_auth())
            .expect("aws-lc-rs supports the default protocol versions");
        // The console client speaks HTTP/1.1 only.
        client.alpn_protocols = vec![b"http/1.1".to_vec()];
        Self { roots: roots.into(), client: Arc::new(client) }
    }

    /// How many roots are trusted.
    pub fn root_count(&self) -> usize {
        self.roots.len()
    }

    /// The client configuration for reqwest (`tls_backend_preconfigured`).
    pub fn client_config(&self) -> ClientConfig {
        ClientConfig::clone(&self.client)
    }

    /// The trust store for the AWS SDK: the same roots, and not the system's.
    pub fn trust_store(&self) -> TrustStore {
        TrustStore::empty().with_native_roots(false).with_pem_certificate(pem(&self.roots))
    }

    /// The AWS SDK's HTTP client on these roots: otherwise the SDK's default
    /// (rustls with aws-lc-rs, proxies from the environment, the SDK's
    /// timeouts). The trust store is encoded when the SDK first connects.
    pub fn aws_http_client(&self) -> SharedHttpClient {
        let tls = self.clone();
        let context = OnceLock::new();
        Builder::new().build_with_connector_fn(move |settings, components| {
            let context = context.get_or_init(|| {
                TlsContext::builder()
                    .with_trust_store(tls.trust_store())
                    .build()
                    .expect("a trust store alone is a valid context")
            });
            let mut builder = ConnectorBuilder::default()
                .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                .tls_context(context.clone());
            builder.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                builder.set_sleep_impl(components.sleep_impl());
            }
            builder.set_proxy_config(Some(ProxyConfig::from_env()));
            builder.build()
        })
    }
}

/// The AWS SDK's configuration from the environment (region, credentials,
/// endpoint, retries: `aws_config`'s defaults), with the HTTP client of the
/// shared configuration.
pub async fn aws_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(Tls::shared().aws_http_client())
        .load()
        .await
}

/// `certs` as one PEM document.
fn pem(certs: &[CertificateDer<'_>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(certs.iter().map(|c| c.len() * 4 / 3 + 64).sum());
    for cert in certs {
        out.extend_from_slice(b"-----BEGIN CERTIFICATE-----\n");
        for line in STANDARD.encode(cert.as_ref()).as_bytes().chunks(64) {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        out.extend_from_slice(b"-----END CERTIFICATE-----\n");
    }
    out
}

#[cfg(test)]
mod tests;
