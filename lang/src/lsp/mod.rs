//! `nas lsp`: a Language Server for `.nas` files over stdin and stdout.
//!
//! Diagnostics as the document changes (the checker's, with the spans, notes and hints `nas
//! check` prints), hover, go to definition (across imports and into the stdlib), completion,
//! formatting in `nas fmt`'s layout, and the document's outline. Every answer comes from the
//! one checker ([`crate::check`]), formatter ([`crate::fmt`]) and space IR
//! ([`crate::space`]); this room only translates between them and the protocol.
//!
//! The protocol runs on `lsp-server`, the transport rust-analyzer is built on, with the
//! message types of `lsp-types`. Both are maintained with rust-analyzer; `lsp-server` is
//! synchronous (a reader and a writer thread, crossbeam channels, no async runtime), which
//! fits this codebase, whose checker is synchronous and answers in milliseconds: one loop
//! handles one message at a time. (`tower-lsp`, the other maintained choice, needs tokio.)
//!
//! Positions are UTF-16 columns, the protocol's default ([`position`]); the document is
//! sent whole on each change.

mod completion;
mod definition;
mod diagnostics;
mod document;
mod format;
mod hover;
mod locate;
mod position;
mod signature;
mod symbols;
mod uri;

use document::Documents;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument,
    Notification as NotificationKind, PublishDiagnostics,
};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    Request as RequestKind,
};
use lsp_types::{
    CompletionOptions, DocumentSymbolResponse, GotoDefinitionResponse, HoverProviderCapability,
    OneOf, PublishDiagnosticsParams, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri,
};
use std::error::Error;

/// What can stop the server: the transport failing (a closed pipe, a malformed message).
pub type ServerError = Box<dyn Error + Send + Sync>;

/// Runs the server on stdin and stdout until the client says `exit`.
pub fn run_stdio() -> Result<(), ServerError> {
    let (connection, threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    threads.join()?;
    Ok(())
}

/// Runs the server on `connection`: the `initialize` handshake, then every message until
/// `shutdown` and `exit`.
pub fn serve(connection: &Connection) -> Result<(), ServerError> {
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions::default()),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    };
    let result = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": ServerInfo {
            name: "nas".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        },
    });
    let (id, _params) = connection.initialize_start()?;
    connection.initialize_finish(id, result)?;
    let mut documents = Documents::default();
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                let response = answer(&documents, request);
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(notification) => {
                if notification.method == "exit" {
                    return Ok(());
                }
                for (uri, diagnostics) in react(&mut documents, notification) {
                    let params = PublishDiagnosticsParams::new(uri, diagnostics, None);
                    connection
                        .sender
                        .send(Message::Notification(Notification::new(
                            PublishDiagnostics::METHOD.to_string(),
                            params,
                        )))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// Applies a notification to the documents; returns the diagnostics to publish.
fn react(
    documents: &mut Documents,
    notification: Notification,
) -> Vec<(Uri, Vec<lsp_types::Diagnostic>)> {
    let changed = match notification.method.as_str() {
        DidOpenTextDocument::METHOD => {
            let Ok(params) =
                serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(notification.params)
            else {
                return Vec::new();
            };
            let Some(path) = uri::to_path(&params.text_document.uri) else {
                return Vec::new();
            };
            documents.set(&path, params.text_document.text)
        }
        DidChangeTextDocument::METHOD => {
            let Ok(params) = serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(
                notification.params,
            ) else {
                return Vec::new();
            };
            let (Some(path), Some(change)) = (
                uri::to_path(&params.text_document.uri),
                params.content_changes.into_iter().last(),
            ) else {
                return Vec::new();
            };
            documents.set(&path, change.text)
        }
        DidCloseTextDocument::METHOD => {
            let Ok(params) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(
                notification.params,
            ) else {
                return Vec::new();
            };
            if let Some(path) = uri::to_path(&params.text_document.uri) {
                documents.close(&path);
            }
            return vec![(params.text_document.uri, Vec::new())];
        }
        _ => return Vec::new(),
    };
    changed
        .iter()
        .filter_map(|path| {
            let doc = documents.get(path)?;
            Some((uri::from_path(path)?, diagnostics::of(doc)))
        })
        .collect()
}

/// The response to `request`.
fn answer(documents: &Documents, request: Request) -> Response {
    let doc = |uri: &Uri| uri::to_path(uri).and_then(|path| documents.get(&path));
    match request.method.as_str() {
        HoverRequest::METHOD => handle::<HoverRequest>(request, |params| {
            let at = params.text_document_position_params;
            Ok(doc(&at.text_document.uri).and_then(|d| hover::at(d, at.position)))
        }),
        GotoDefinition::METHOD => handle::<GotoDefinition>(request, |params| {
            let at = params.text_document_position_params;
            Ok(doc(&at.text_document.uri)
                .and_then(|d| definition::at(d, at.position))
                .map(GotoDefinitionResponse::Scalar))
        }),
        Completion::METHOD => handle::<Completion>(request, |params| {
            let at = params.text_document_position;
            Ok(doc(&at.text_document.uri).map(|d| completion::at(d, at.position).into()))
        }),
        Formatting::METHOD => {
            handle::<Formatting>(request, |params| match doc(&params.text_document.uri) {
                Some(d) => format::edits(d).map(Some),
                None => Ok(None),
            })
        }
        DocumentSymbolRequest::METHOD => handle::<DocumentSymbolRequest>(request, |params| {
            Ok(doc(&params.text_document.uri)
                .map(|d| DocumentSymbolResponse::Nested(symbols::of(d))))
        }),
        _ => Response::new_err(
            request.id,
            ErrorCode::MethodNotFound as i32,
            format!("nas lsp does not answer `{}`", request.method),
        ),
    }
}

/// Decodes the parameters of a request of kind `R`, answers with `f`, and encodes the result
/// (or the error: malformed parameters, or what `f` refused).
fn handle<R: RequestKind>(
    request: Request,
    f: impl FnOnce(R::Params) -> Result<R::Result, String>,
) -> Response {
    let params = match serde_json::from_value::<R::Params>(request.params) {
        Ok(params) => params,
        Err(e) => {
            return Response::new_err(request.id, ErrorCode::InvalidParams as i32, e.to_string())
        }
    };
    match f(params) {
        Ok(result) => Response::new_ok(request.id, result),
        Err(message) => Response::new_err(request.id, ErrorCode::RequestFailed as i32, message),
    }
}
