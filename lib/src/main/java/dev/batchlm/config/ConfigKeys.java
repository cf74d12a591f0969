package dev.batchlm.config;

import static dev.batchlm.config.ValueType.choice;
import static dev.batchlm.config.ValueType.flag;
import static dev.batchlm.config.ValueType.integer;
import static dev.batchlm.config.ValueType.list;
import static dev.batchlm.config.ValueType.longInteger;
import static dev.batchlm.config.ValueType.number;
import static dev.batchlm.config.ValueType.text;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Every configuration key batchlm knows, with its default. Unknown keys are rejected. */
public final class ConfigKeys {
  public static final ConfigKey<String> RUN_DATE =
      key(
          "run.date",
          text(),
          null,
          "Run date YYYY-MM-DD of the partitions written (default: today, UTC)");
  public static final ConfigKey<Long> RUN_SEED =
      key(
          "run.seed",
          longInteger(Long.MIN_VALUE),
          "42",
          "Seed for anything random in a run; recorded in _run.json");
  public static final ConfigKey<Boolean> RUN_FORCE =
      key(
          "run.force",
          flag(),
          "false",
          "Run even when this date's partitions are up to date (same inputs, config and build as"
              + " the run that wrote them, which finished its work); --force");
  public static final ConfigKey<String> OUTPUT_ROOT =
      key(
          "output.root",
          text(),
          "\"out\"",
          "ROOT: tables are read from and written to ROOT/<table>/");

  public static final ConfigKey<String> INGEST_INPUT =
      key(
          "ingest.input",
          text(),
          null,
          "Files (any Hadoop path, read recursively) or a table to ingest");
  public static final ConfigKey<String> INGEST_FORMAT =
      key(
          "ingest.format",
          choice(List.of("files", "parquet", "jsonl")),
          "\"files\"",
          "How ingest.input is read: a folder of files, or a table");
  public static final ConfigKey<String> INGEST_ID_COLUMN =
      key("ingest.id-column", text(), "\"id\"", "Id column when ingest.format is a table");
  public static final ConfigKey<String> INGEST_TEXT_COLUMN =
      key("ingest.text-column", text(), "\"text\"", "Text column when ingest.format is a table");
  public static final ConfigKey<String> INGEST_TITLE_COLUMN =
      key(
          "ingest.title-column",
          text(),
          "\"\"",
          "Optional title column when ingest.format is a table");
  public static final ConfigKey<Long> INGEST_MAX_FILE_BYTES =
      key(
          "ingest.max-file-bytes",
          longInteger(1),
          "67108864",
          "Files larger than this are quarantined unread");
  public static final ConfigKey<Integer> INGEST_MAX_CHARS =
      key(
          "ingest.max-chars",
          integer(1),
          "20000000",
          "Documents whose text is longer are quarantined");
  public static final ConfigKey<Double> INGEST_MAX_UNDECODABLE_RATIO =
      key(
          "ingest.max-undecodable-ratio",
          number(0, 1),
          "0.01",
          "Quarantine text whose share of U+FFFD or control characters exceeds this");
  public static final ConfigKey<Integer> INGEST_PARTITIONS =
      key(
          "ingest.partitions",
          integer(0),
          "0",
          "Spark partitions for extraction (0: from the file count)");

  public static final ConfigKey<String> CHUNK_INPUT =
      key("chunk.input", text(), null, "Documents table to chunk (default: ROOT/documents)");
  public static final ConfigKey<String> CHUNK_STRATEGY =
      key(
          "chunk.strategy",
          choice(List.of("recursive", "sentence", "markdown", "tokens")),
          "\"recursive\"",
          "How documents are split (recursive, markdown: LangChain's splitters)");
  public static final ConfigKey<Integer> CHUNK_SIZE =
      key(
          "chunk.size",
          integer(1),
          "1000",
          "Maximum chunk size, in chunk.unit (tokens strategy: tokens)");
  public static final ConfigKey<Integer> CHUNK_OVERLAP =
      key("chunk.overlap", integer(0), "200", "Overlap between consecutive chunks, in chunk.unit");
  public static final ConfigKey<String> CHUNK_UNIT =
      key(
          "chunk.unit",
          choice(List.of("chars", "tokens")),
          "\"chars\"",
          "chars (Unicode code points) | tokens (of chunk.tokenizer)");
  public static final ConfigKey<List<String>> CHUNK_SEPARATORS =
      key(
          "chunk.separators",
          list(),
          "[\"\\n\\n\", \"\\n\", \" \", \"\"]",
          "recursive: separators tried in order (LangChain RecursiveCharacterTextSplitter)");
  public static final ConfigKey<String> CHUNK_KEEP_SEPARATOR =
      key(
          "chunk.keep-separator",
          choice(List.of("start", "end", "none")),
          "\"start\"",
          "recursive: start | end | none");
  public static final ConfigKey<String> CHUNK_TOKENIZER =
      key(
          "chunk.tokenizer",
          text(),
          "\"\"",
          "Hugging Face tokenizer.json (any Hadoop path) for token sizes and token_count");

  public static final ConfigKey<String> EMBED_INPUT =
      key("embed.input", text(), null, "Chunks table to embed (default: ROOT/chunks)");
  public static final ConfigKey<String> EMBED_MODEL =
      key(
          "embed.model",
          text(),
          null,
          "Hugging Face BERT-family checkpoint folder, or a folder with a BERT ONNX export"
              + " (model.onnx or onnx/model.onnx, and tokenizer.json), any Hadoop path");
  public static final ConfigKey<String> EMBED_ENDPOINT =
      key(
          "embed.endpoint",
          text(),
          "\"\"",
          "OpenAI-compatible base URL (http://vllm:8000/v1) instead of embed.model");
  public static final ConfigKey<String> EMBED_ENDPOINT_MODEL =
      key("embed.endpoint-model", text(), "\"\"", "Model name sent to embed.endpoint");
  public static final ConfigKey<String> EMBED_API_KEY_ENV =
      key(
          "embed.api-key-env",
          text(),
          "\"\"",
          "Environment variable holding the endpoint's API key");
  public static final ConfigKey<Long> EMBED_TIMEOUT_MS =
      key("embed.timeout-ms", longInteger(1), "60000", "Timeout of one endpoint request");
  public static final ConfigKey<Integer> EMBED_MAX_ATTEMPTS =
      key(
          "embed.max-attempts",
          integer(1),
          "5",
          "Attempts per endpoint request (retriable failures only)");
  public static final ConfigKey<Integer> EMBED_BATCH_SIZE =
      key(
          "embed.batch-size",
          integer(1),
          "32",
          "Texts per forward pass (texts of similar length share one)");
  public static final ConfigKey<String> EMBED_POOLING =
      key(
          "embed.pooling",
          choice(List.of("auto", "mean", "cls", "max", "mean_sqrt_len")),
          "\"auto\"",
          "auto (the checkpoint's 1_Pooling config) | mean | cls | max | mean_sqrt_len");
  public static final ConfigKey<String> EMBED_NORMALIZE =
      key(
          "embed.normalize",
          choice(List.of("auto", "true", "false")),
          "\"auto\"",
          "auto (a Normalize module in modules.json) | true | false");
  public static final ConfigKey<String> EMBED_PASSAGE_PREFIX =
      key(
          "embed.passage-prefix",
          text(),
          "\"\"",
          "Prepended to every chunk, e.g. \"passage: \" for E5");
  public static final ConfigKey<Integer> EMBED_MAX_LENGTH =
      key(
          "embed.max-length",
          integer(0),
          "0",
          "Tokens per text, longer ones truncated (0: the model's maximum)");

  public static final ConfigKey<String> RETRIEVE_QUERIES =
      key(
          "retrieve.queries",
          text(),
          null,
          "Queries table (JSONL or Parquet) with an id and a text column");
  public static final ConfigKey<String> RETRIEVE_QUERY_FORMAT =
      key(
          "retrieve.query-format",
          choice(List.of("jsonl", "parquet")),
          "\"jsonl\"",
          "How retrieve.queries is read");
  public static final ConfigKey<String> RETRIEVE_QUERY_ID_COLUMN =
      key("retrieve.query-id-column", text(), "\"query_id\"", "Id column of the queries table");
  public static final ConfigKey<String> RETRIEVE_QUERY_TEXT_COLUMN =
      key("retrieve.query-text-column", text(), "\"text\"", "Text column of the queries table");
  public static final ConfigKey<String> RETRIEVE_QUERY_PREFIX =
      key(
          "retrieve.query-prefix",
          text(),
          "\"\"",
          "Prepended to every query before embedding (\"query: \")");
  public static final ConfigKey<List<String>> RETRIEVE_METHODS =
      key(
          "retrieve.methods",
          list(),
          "[\"vector\", \"bm25\", \"hybrid\"]",
          "any of vector (needs embed.model), bm25, hybrid, rerank (needs retrieve.reranker),"
              + " multi-query, hyde, multi-step (need retrieve.expand-model)");
  public static final ConfigKey<Integer> RETRIEVE_TOP_K =
      key("retrieve.top-k", integer(1), "10", "Chunks kept per query and method");
  public static final ConfigKey<Double> RETRIEVE_BM25_K1 =
      key("retrieve.bm25-k1", number(0, 1000), "1.2", "BM25 term frequency saturation");
  public static final ConfigKey<Double> RETRIEVE_BM25_B =
      key("retrieve.bm25-b", number(0, 1), "0.75", "BM25 length normalization, 0 to 1");
  public static final ConfigKey<Integer> RETRIEVE_RRF_K =
      key("retrieve.rrf-k", integer(1), "60", "Reciprocal rank fusion constant (hybrid)");
  public static final ConfigKey<Integer> RETRIEVE_FUSION_DEPTH =
      key(
          "retrieve.fusion-depth",
          integer(1),
          "50",
          "Hybrid fuses this many vector and BM25 hits per query");

  public static final ConfigKey<String> RETRIEVE_RERANKER =
      key(
          "retrieve.reranker",
          text(),
          "\"\"",
          "Cross-encoder checkpoint folder for the rerank method");
  public static final ConfigKey<Integer> RETRIEVE_RERANK_DEPTH =
      key(
          "retrieve.rerank-depth",
          integer(1),
          "20",
          "rerank re-scores this many hybrid (or BM25, vector) hits");

  public static final ConfigKey<String> RETRIEVE_EXPAND_MODEL =
      key(
          "retrieve.expand-model",
          text(),
          "\"\"",
          "Model alias that writes paraphrases, hypothetical answers and follow-up queries, called"
              + " through the infer.* provider settings; its cache and ledger live under"
              + " ROOT/retrieve-expansions");
  public static final ConfigKey<String> RETRIEVE_EXPAND_BASE =
      key(
          "retrieve.expand-base",
          choice(List.of("vector", "bm25", "hybrid")),
          "\"hybrid\"",
          "How multi-query, hyde and multi-step retrieve each of their queries before fusing");
  public static final ConfigKey<Integer> RETRIEVE_PARAPHRASES =
      key("retrieve.paraphrases", integer(1), "3", "multi-query: paraphrases asked per query");
  public static final ConfigKey<Integer> RETRIEVE_MAX_STEPS =
      key(
          "retrieve.max-steps",
          integer(2),
          "3",
          "multi-step: queries per question at most, the question itself included");
  public static final ConfigKey<Integer> RETRIEVE_STEP_HITS =
      key(
          "retrieve.step-hits",
          integer(1),
          "5",
          "multi-step: best chunks so far shown to the prompt that decides the next query");
  public static final ConfigKey<String> RETRIEVE_PARAPHRASE_PROMPT =
      key(
          "retrieve.paraphrase-prompt",
          text(),
          "\"expand-paraphrases\"",
          "multi-query's prompt (under infer.prompts-dir); its JSON has a queries array");
  public static final ConfigKey<String> RETRIEVE_HYDE_PROMPT =
      key(
          "retrieve.hyde-prompt",
          text(),
          "\"expand-hyde\"",
          "hyde's prompt: its text is the hypothetical answer retrieved with");
  public static final ConfigKey<String> RETRIEVE_STEP_PROMPT =
      key(
          "retrieve.step-prompt",
          text(),
          "\"expand-next-step\"",
          "multi-step's prompt; its JSON has next_query, empty when the hits suffice");

  public static final ConfigKey<String> INFER_INPUT =
      key(
          "infer.input",
          text(),
          null,
          "Requests table: JSONL, Parquet or OpenAI batch JSONL (any Hadoop path)");
  public static final ConfigKey<String> INFER_FORMAT =
      key(
          "infer.format",
          choice(List.of("jsonl", "parquet", "openai-batch")),
          "\"jsonl\"",
          "jsonl | parquet | openai-batch (lines of {custom_id, body})");
  public static final ConfigKey<String> INFER_ID_COLUMN =
      key(
          "infer.id-column",
          text(),
          "\"request_id\"",
          "Request id column; without it ids are hashes of the row's content");
  public static final ConfigKey<String> INFER_MESSAGES_COLUMN =
      key(
          "infer.messages-column",
          text(),
          "\"\"",
          "Column of ready chat messages (JSON [{role, content}]) instead of a prompt");
  public static final ConfigKey<String> INFER_PROMPT =
      key("infer.prompt", text(), "\"\"", "Prompt folder, or a name under infer.prompts-dir");
  public static final ConfigKey<String> INFER_PROMPTS_DIR =
      key(
          "infer.prompts-dir",
          text(),
          "\"bundled:prompts\"",
          "Where prompt names are looked up: any Hadoop path, or bundled:prompts (conf/prompts as"
              + " packed in the jar)");
  public static final ConfigKey<String> INFER_MODEL =
      key(
          "infer.model",
          text(),
          "\"\"",
          "Model alias: a name in infer.routes, or the model of the one route the infer.* keys describe");
  public static final ConfigKey<String> INFER_ROUTES =
      key(
          "infer.routes",
          text(),
          "\"\"",
          "Routes file (HOCON/YAML): aliases with ordered and weighted routes");
  public static final ConfigKey<String> INFER_PROVIDER =
      key(
          "infer.provider",
          choice(List.of("openai", "anthropic", "local")),
          "\"openai\"",
          "Without infer.routes: openai (any OpenAI-compatible server) | anthropic | local (infer.model: a checkpoint folder)");
  public static final ConfigKey<String> INFER_BASE_URL =
      key(
          "infer.base-url",
          text(),
          "\"\"",
          "Without infer.routes: base URL, e.g. http://vllm:8000/v1");
  public static final ConfigKey<String> INFER_API_KEY_ENV =
      key(
          "infer.api-key-env",
          text(),
          "\"\"",
          "Without infer.routes: environment variable holding the API key");
  public static final ConfigKey<String> INFER_API_KEY_FILE =
      key(
          "infer.api-key-file",
          text(),
          "\"\"",
          "Without infer.routes: file holding the API key (any Hadoop path)");
  public static final ConfigKey<Boolean> INFER_UNPRICED =
      key(
          "infer.unpriced",
          flag(),
          "false",
          "Without infer.routes: run without a price (self-hosted); rows carry no cost");
  public static final ConfigKey<Double> INFER_REQUESTS_PER_MINUTE =
      key(
          "infer.requests-per-minute",
          number(0, Double.MAX_VALUE),
          "0",
          "Without infer.routes: request limit for the whole cluster (0: none)");
  public static final ConfigKey<Double> INFER_TOKENS_PER_MINUTE =
      key(
          "infer.tokens-per-minute",
          number(0, Double.MAX_VALUE),
          "0",
          "Without infer.routes: token limit for the whole cluster (0: none)");
  public static final ConfigKey<Integer> INFER_MAX_CONCURRENCY =
      key("infer.max-concurrency", integer(1), "8", "Requests in flight per task");
  public static final ConfigKey<Integer> INFER_PARTITIONS =
      key(
          "infer.partitions",
          integer(0),
          "0",
          "Tasks that call models at once (0: Spark's default parallelism); limits are split among them");
  public static final ConfigKey<Long> INFER_TIMEOUT_MS =
      key("infer.timeout-ms", longInteger(1), "120000", "Timeout of one HTTP call");
  public static final ConfigKey<Integer> INFER_MAX_ATTEMPTS =
      key(
          "infer.max-attempts",
          integer(1),
          "6",
          "Attempts per request and route (retriable failures only)");
  public static final ConfigKey<Long> INFER_REQUEST_BUDGET_MS =
      key(
          "infer.request-budget-ms",
          longInteger(1),
          "900000",
          "Most time one request may spend on one route, retries and waits included");
  public static final ConfigKey<Long> INFER_MAX_TOKENS =
      key(
          "infer.max-tokens",
          longInteger(1),
          "1024",
          "max_tokens of requests whose prompt does not set it");
  public static final ConfigKey<String> INFER_CACHE =
      key(
          "infer.cache",
          choice(List.of("read-write", "read-only", "refresh", "off")),
          "\"read-write\"",
          "read-write | read-only | refresh (call again, store) | off");
  public static final ConfigKey<Integer> INFER_MAX_REPAIRS =
      key(
          "infer.max-repairs",
          integer(0),
          "1",
          "Calls that feed a validation error back to the model, per request");
  public static final ConfigKey<String> INFER_PRICES =
      key(
          "infer.prices",
          text(),
          "\"bundled:prices.conf\"",
          "Price table: any Hadoop path, or bundled:NAME for conf/NAME as packed in the jar");
  public static final ConfigKey<Double> INFER_BUDGET_USD =
      key(
          "infer.budget-usd",
          number(0, Double.MAX_VALUE),
          "0",
          "Refuse to start when the worst-case estimate exceeds it, and stop calling at it (0: none)");
  public static final ConfigKey<Boolean> INFER_DRY_RUN =
      key(
          "infer.dry-run",
          flag(),
          "false",
          "Print the plan (requests, cache hits, tokens, cost per route) and call nothing");
  public static final ConfigKey<String> INFER_MODE =
      key(
          "infer.mode",
          choice(List.of("sync", "batch", "auto")),
          "\"sync\"",
          "sync | batch (routes with a Batch API answer through it, at its price, within a day)"
              + " | auto (batch where a route has one and infer.deadline-hours allows)");
  public static final ConfigKey<Double> INFER_DEADLINE_HOURS =
      key(
          "infer.deadline-hours",
          number(0, Double.MAX_VALUE),
          "0",
          "For infer.mode=auto: hours the run may take; below 24 (a batch's window) it calls"
              + " synchronously (0: no deadline)");
  public static final ConfigKey<Boolean> INFER_BATCH_API =
      key(
          "infer.batch-api",
          flag(),
          null,
          "Whether the infer.base-url server has a Batch API (unset: yes for api.openai.com and"
              + " api.anthropic.com); a routes file says it per route with batch = true");
  public static final ConfigKey<Integer> INFER_BATCH_MAX_REQUESTS =
      key(
          "infer.batch.max-requests",
          integer(1),
          "50000",
          "Most requests in one batch (OpenAI: 50,000; Anthropic: 100,000)");
  public static final ConfigKey<Long> INFER_BATCH_MAX_BYTES =
      key(
          "infer.batch.max-bytes",
          longInteger(1),
          "200000000",
          "Largest batch input file (OpenAI: 200 MB; Anthropic: 256 MB); a batch the provider"
              + " refuses as too large is split in two and sent again");
  public static final ConfigKey<Double> INFER_BATCH_POLL_SECONDS =
      key(
          "infer.batch.poll-seconds",
          number(0.001, Double.MAX_VALUE),
          "10",
          "First wait between polls of a batch; each wait doubles up to infer.batch.max-poll-seconds");
  public static final ConfigKey<Double> INFER_BATCH_MAX_POLL_SECONDS =
      key(
          "infer.batch.max-poll-seconds",
          number(0.001, Double.MAX_VALUE),
          "300",
          "Longest wait between polls of a batch");
  public static final ConfigKey<Double> INFER_BATCH_WAIT_MINUTES =
      key(
          "infer.batch.wait-minutes",
          number(0, Double.MAX_VALUE),
          "1500",
          "How long a run waits for its batches; batches still open then are adopted by the"
              + " next run of the same command, never sent again");
  public static final ConfigKey<String> INFER_BATCH_RETRY =
      key(
          "infer.batch.retry",
          choice(List.of("sync", "batch", "none")),
          "\"sync\"",
          "Lines that failed retriably or expired: sync (call them now) | batch (in one more"
              + " batch) | none (leave them to the next run)");
  public static final ConfigKey<Boolean> INFER_RAG =
      key(
          "infer.rag",
          flag(),
          "false",
          "Put the run date's retrievals for each request into the prompt's {{context}}");
  public static final ConfigKey<String> INFER_RAG_METHOD =
      key(
          "infer.rag-method",
          choice(List.of("vector", "bm25", "hybrid", "rerank")),
          "\"hybrid\"",
          "Retrieval method whose chunks are used: vector | bm25 | hybrid | rerank");
  public static final ConfigKey<String> INFER_RAG_QUERY_COLUMN =
      key(
          "infer.rag-query-column",
          text(),
          "\"\"",
          "Column holding the query id of a request (default: the request id)");
  public static final ConfigKey<Integer> INFER_RAG_TOP_K =
      key("infer.rag-top-k", integer(1), "5", "Chunks offered to the context, best first");
  public static final ConfigKey<Long> INFER_RAG_BUDGET_TOKENS =
      key(
          "infer.rag-budget-tokens",
          longInteger(1),
          "2000",
          "Tokens of context at most (estimated as characters / 4)");
  public static final ConfigKey<String> EVAL_ANSWERS =
      key(
          "eval.answers",
          text(),
          "\"\"",
          "Answers to score: a table (Parquet folder or JSONL) with id and output columns (default:"
              + " the run date's inference_results)");
  public static final ConfigKey<String> EVAL_ANSWER_ID_COLUMN =
      key("eval.answer-id-column", text(), "\"request_id\"", "Id column of eval.answers");
  public static final ConfigKey<String> EVAL_OUTPUT_COLUMN =
      key("eval.output-column", text(), "\"output_text\"", "Output column of eval.answers");
  public static final ConfigKey<String> EVAL_SYSTEM_COLUMN =
      key(
          "eval.system-column",
          text(),
          "\"model\"",
          "Column of eval.answers naming what answered (absent: all answers are one system)");
  public static final ConfigKey<String> EVAL_REFERENCES =
      key(
          "eval.references",
          text(),
          "\"\"",
          "Reference answers (JSONL or Parquet): id, one answer or a list, optional tags; unset: no"
              + " answer metrics");
  public static final ConfigKey<String> EVAL_REFERENCE_ID_COLUMN =
      key("eval.reference-id-column", text(), "\"id\"", "Id column of eval.references");
  public static final ConfigKey<String> EVAL_REFERENCE_COLUMN =
      key(
          "eval.reference-column",
          text(),
          "\"answer\"",
          "Reference column of eval.references (a string or a list of strings)");
  public static final ConfigKey<String> EVAL_TAGS_COLUMN =
      key(
          "eval.tags-column",
          text(),
          "\"tags\"",
          "Column of eval.references with slice tags (a string or a list; optional)");
  public static final ConfigKey<List<String>> EVAL_METRICS =
      key(
          "eval.metrics",
          list(),
          "[\"exact_match\", \"f1\", \"rougeL\", \"bleu\", \"chrf\"]",
          "Answer metrics: exact_match, f1, rouge1, rouge2, rougeL, rougeLsum, bleu, chrf,"
              + " json_valid");
  public static final ConfigKey<Boolean> EVAL_ROUGE_STEMMER =
      key(
          "eval.rouge-stemmer",
          flag(),
          "false",
          "Porter-stem tokens for ROUGE (rouge-score's use_stemmer)");
  public static final ConfigKey<List<String>> EVAL_ROUGE_MEASURES =
      key(
          "eval.rouge-measures",
          list(),
          "[\"f\"]",
          "ROUGE measures to report: f (as rougeL), precision (rougeL_precision), recall");
  public static final ConfigKey<String> EVAL_BLEU_TOKENIZE =
      key(
          "eval.bleu-tokenize",
          choice(List.of("13a", "intl", "zh", "char", "none")),
          "\"13a\"",
          "BLEU tokenizer, as sacreBLEU's --tokenize: 13a | intl | zh | char | none");
  public static final ConfigKey<Boolean> EVAL_CHRF_EPS_SMOOTHING =
      key(
          "eval.chrf-eps-smoothing",
          flag(),
          "false",
          "chrF with epsilon smoothing (sacreBLEU's --chrf-eps-smoothing; chrF++.py, NLTK, Moses)");
  public static final ConfigKey<String> EVAL_JUDGMENTS =
      key(
          "eval.judgments",
          text(),
          "\"\"",
          "Relevance judgments for the run date's retrievals: TREC qrels, or a table with"
              + " query_id and either a list column of relevant ids or (doc_id | chunk_id, relevance)"
              + " rows; unset: no retrieval metrics");
  public static final ConfigKey<String> EVAL_JUDGMENTS_FORMAT =
      key(
          "eval.judgments-format",
          choice(List.of("table", "qrels")),
          "\"table\"",
          "table (JSONL or Parquet) | qrels");
  public static final ConfigKey<String> EVAL_RELEVANT_COLUMN =
      key(
          "eval.relevant-column",
          text(),
          "\"relevant_doc_ids\"",
          "List column of relevant ids in a judgments table (grade 1 each), when it has one");
  public static final ConfigKey<String> EVAL_LEVEL =
      key(
          "eval.level",
          choice(List.of("doc", "chunk")),
          "\"doc\"",
          "doc (a document counts once, at its best chunk's score) | chunk");
  public static final ConfigKey<List<String>> EVAL_K =
      key("eval.k", list(), "[1, 3, 5, 10]", "Cut-offs of P@k, recall@k, hit@k and nDCG@k");
  public static final ConfigKey<Integer> EVAL_BOOTSTRAP =
      key("eval.bootstrap", integer(1), "1000", "Bootstrap resamples for the 95% intervals");
  public static final ConfigKey<Long> EVAL_SEED =
      key("eval.seed", longInteger(Long.MIN_VALUE), "13", "Seed of the bootstrap");
  public static final ConfigKey<String> EVAL_BASELINE =
      key(
          "eval.baseline",
          text(),
          "\"\"",
          "Run id of an earlier eval run to compare against (its eval_scores, any date)");
  public static final ConfigKey<List<String>> EVAL_GATE =
      key(
          "eval.gate",
          list(),
          "[]",
          "Checks that fail the job after writing: \"metric:max-drop\" against the baseline (slice"
              + " all), or \"metric>=min\"");
  public static final ConfigKey<String> EVAL_QUESTION_COLUMN =
      key(
          "eval.question-column",
          text(),
          "\"text\"",
          "Column of eval.references with the question, for the judge prompt (optional)");
  public static final ConfigKey<String> EVAL_JUDGE_PROMPT =
      key(
          "eval.judge-prompt",
          text(),
          "\"\"",
          "LLM-as-judge: a prompt folder (a name under infer.prompts-dir, e.g. judge-correctness)"
              + " whose schema has an integer score 1-5; unset: no judge");
  public static final ConfigKey<String> EVAL_JUDGE_MODEL =
      key(
          "eval.judge-model",
          text(),
          "\"\"",
          "The judge's model alias, called through the infer.* provider settings (routes, keys,"
              + " limits, prices); its cache and ledger live under ROOT/judge");
  public static final ConfigKey<List<String>> EVAL_PAIRWISE =
      key(
          "eval.pairwise",
          list(),
          "[]",
          "Two systems (values of eval.system-column) to compare answer by answer with the judge"
              + " model, in both orders; []: none");
  public static final ConfigKey<String> EVAL_PAIRWISE_PROMPT =
      key(
          "eval.pairwise-prompt",
          text(),
          "\"judge-pairwise\"",
          "The pairwise judge's prompt folder; its schema has winner A, B or tie");
  public static final ConfigKey<Integer> INFER_LOCAL_BATCH =
      key(
          "infer.local.batch",
          integer(1),
          "8",
          "local provider: sequences decoded together per executor (KV-cache slots)");
  public static final ConfigKey<Integer> INFER_LOCAL_MAX_LENGTH =
      key(
          "infer.local.max-length",
          integer(2),
          "4096",
          "local provider: tokens per sequence, prompt and answer (capped by the context window)");
  public static final ConfigKey<String> INFER_LOCAL_PROMPT_OVERFLOW =
      key(
          "infer.local.prompt-overflow",
          choice(List.of("error", "truncate")),
          "\"error\"",
          "local provider, a prompt longer than the window: error (the row's error; a router may"
              + " fall back) | truncate (keep its end)");

  public static final ConfigKey<String> INFER_LOCAL_ADAPTER =
      key(
          "infer.local.adapter",
          text(),
          "\"\"",
          "local provider: a LoRA adapter folder (PEFT's layout, any Hadoop path, e.g. a"
              + " lora-train run's) merged into infer.model's weights; the model is then named"
              + " <base>@<hash>+<adapter>@<hash> in results and cache keys; empty: none");
  public static final ConfigKey<String> FTPREP_FEEDBACK =
      key(
          "ft-prep.feedback",
          text(),
          "\"\"",
          "Feedback on answers (JSONL or Parquet, any Hadoop path): request_id, rating (up/down or"
              + " 1-5), optional corrected_answer, feedback_id, labeler_id, created_at; empty: none,"
              + " and no inference row is selected (inference_results is not read)");
  public static final ConfigKey<Integer> FTPREP_MIN_RATING =
      key(
          "ft-prep.min-rating",
          integer(1),
          "4",
          "A 1-5 rating at or above this selects the answer (up does, down does not; a corrected"
              + " answer always does)");
  public static final ConfigKey<List<String>> FTPREP_DATASETS =
      key(
          "ft-prep.datasets",
          list(),
          "[]",
          "Chat datasets to add (JSONL lines in OpenAI chat, ShareGPT or Alpaca format)");
  public static final ConfigKey<List<String>> FTPREP_EVAL_SETS =
      key(
          "ft-prep.eval-sets",
          list(),
          "[]",
          "Evaluation sets no example may overlap (JSONL; every string value of a line is checked)");
  public static final ConfigKey<Integer> FTPREP_DECONTAM_NGRAM =
      key(
          "ft-prep.decontam-ngram",
          integer(1),
          "13",
          "An example sharing a run of this many words with an evaluation text is dropped");
  public static final ConfigKey<String> FTPREP_PII =
      key(
          "ft-prep.pii",
          choice(List.of("mask", "drop")),
          "\"mask\"",
          "Personal data and secrets found: mask (typed placeholders such as <EMAIL>) | drop");
  public static final ConfigKey<Integer> FTPREP_MIN_ANSWER_CHARS =
      key(
          "ft-prep.min-answer-chars",
          integer(1),
          "2",
          "An assistant answer shorter than this (stripped) is dropped as too short");
  public static final ConfigKey<Integer> FTPREP_MAX_CHARS =
      key(
          "ft-prep.max-chars",
          integer(1),
          "32000",
          "A conversation longer than this (all messages) is dropped as too long");
  public static final ConfigKey<List<String>> FTPREP_REFUSALS =
      key(
          "ft-prep.refusals",
          list(),
          "[\"I'm sorry, but I can\", \"I cannot help with\", \"I can't assist with\","
              + " \"As an AI language model\", \"I am unable to\"]",
          "An answer containing one of these (any case) is dropped as a refusal");
  public static final ConfigKey<List<String>> FTPREP_LANGUAGES =
      key(
          "ft-prep.languages",
          list(),
          "[\"en\"]",
          "Languages kept (ISO 639-1); empty keeps every language");
  public static final ConfigKey<Double> FTPREP_NEAR_DUP_THRESHOLD =
      key(
          "ft-prep.near-dup-threshold",
          number(0, 1),
          "0.8",
          "Jaccard similarity of 5-word shingles at which two examples are near-duplicates");
  public static final ConfigKey<String> FTPREP_BASE_MODEL =
      key(
          "ft-prep.base-model",
          text(),
          "\"\"",
          "Base checkpoint folder (any Hadoop path) whose tokenizer.json and chat template the"
              + " examples are tokenized with; empty: not tokenized");
  public static final ConfigKey<Integer> FTPREP_MAX_TOKENS =
      key(
          "ft-prep.max-tokens",
          integer(1),
          "4096",
          "With a base model: an example of more tokens than this is dropped (too_long_tokens)");
  public static final ConfigKey<Integer> FTPREP_MIN_TRAINED_TOKENS =
      key(
          "ft-prep.min-trained-tokens",
          integer(0),
          "2",
          "With a base model: an example with fewer tokens to learn (its labels that are not -100,"
              + " the end of each turn included) is dropped (too_short_tokens)");
  public static final ConfigKey<String> FTPREP_TRAIN_ON =
      key(
          "ft-prep.train-on",
          choice(List.of("all-turns", "last-turn")),
          "\"all-turns\"",
          "Which assistant turns the labels train on: every one, or the last only");
  public static final ConfigKey<String> FTPREP_PACKING =
      key(
          "ft-prep.packing",
          choice(List.of("none", "best-fit", "first-fit")),
          "\"none\"",
          "With a base model: pack the examples of each split into sequences of up to"
              + " ft-prep.max-tokens tokens in finetune_packed (best-fit: longest first, into the"
              + " fullest sequence they fit; first-fit: in example order, into the first)");
  public static final ConfigKey<Double> FTPREP_VALIDATION_FRACTION =
      key(
          "ft-prep.validation-fraction",
          number(0, 0.5),
          "0.1",
          "Share of near-duplicate clusters put in the validation split (by a hash of the cluster)");

  public static final ConfigKey<String> LORA_BASE_MODEL =
      key(
          "lora-train.base-model",
          text(),
          "\"\"",
          "Base checkpoint folder (any Hadoop path; LLaMA-family safetensors) the adapter is"
              + " trained on; empty: ft-prep.base-model, whose tokenizer made the examples (and"
              + " pipeline trains no adapter)");
  public static final ConfigKey<String> LORA_NAME =
      key(
          "lora-train.name",
          text(),
          "\"adapter\"",
          "The adapter's name: it is written under ROOT/adapters/<name>/<run_id>/");
  public static final ConfigKey<Integer> LORA_RANK =
      key("lora-train.rank", integer(1), "8", "LoRA rank r");
  public static final ConfigKey<Double> LORA_ALPHA =
      key(
          "lora-train.alpha",
          number(0, 1e6),
          "16",
          "LoRA alpha: B·A is scaled by alpha/r (alpha/√r with lora-train.rslora)");
  public static final ConfigKey<Double> LORA_DROPOUT =
      key(
          "lora-train.dropout",
          number(0, 0.9),
          "0.05",
          "Dropout on the input of each LoRA path while training (PEFT's lora_dropout)");
  public static final ConfigKey<List<String>> LORA_TARGET_MODULES =
      key(
          "lora-train.target-modules",
          list(),
          "[\"q_proj\", \"v_proj\"]",
          "Projections that get LoRA matrices: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj,"
              + " down_proj");
  public static final ConfigKey<Boolean> LORA_RSLORA =
      key("lora-train.rslora", flag(), "false", "rsLoRA scaling alpha/√r instead of alpha/r");
  public static final ConfigKey<Double> LORA_LEARNING_RATE =
      key("lora-train.learning-rate", number(0, 1), "2e-4", "Peak learning rate of AdamW");
  public static final ConfigKey<Double> LORA_WEIGHT_DECAY =
      key(
          "lora-train.weight-decay",
          number(0, 1),
          "0.0",
          "AdamW's decoupled weight decay (torch semantics: p·(1 − lr·decay) each step)");
  public static final ConfigKey<String> LORA_SCHEDULE =
      key(
          "lora-train.schedule",
          choice(List.of("cosine", "linear", "constant")),
          "\"cosine\"",
          "Learning-rate decay after the warmup, to 0 at the last step (transformers' schedules)");
  public static final ConfigKey<Integer> LORA_WARMUP_STEPS =
      key("lora-train.warmup-steps", integer(0), "0", "Steps of linear warmup from 0");
  public static final ConfigKey<Double> LORA_MAX_GRAD_NORM =
      key(
          "lora-train.max-grad-norm",
          number(0, 1e6),
          "1.0",
          "Gradients are clipped to this global L2 norm (0: no clipping)");
  public static final ConfigKey<Integer> LORA_BATCH_SIZE =
      key(
          "lora-train.batch-size",
          integer(1),
          "8",
          "Sequences per optimizer step (the global batch, shared by all tasks)");
  public static final ConfigKey<Integer> LORA_MICRO_BATCH =
      key(
          "lora-train.micro-batch",
          integer(1),
          "2",
          "Examples a task runs through the model at once (memory; a packed sequence's examples"
              + " count apart); their gradients accumulate");
  public static final ConfigKey<Integer> LORA_EPOCHS =
      key("lora-train.epochs", integer(1), "1", "Passes over the train split");
  public static final ConfigKey<Integer> LORA_MAX_STEPS =
      key(
          "lora-train.max-steps",
          integer(0),
          "0",
          "Stop after this many optimizer steps; 0: as many as lora-train.epochs take");
  public static final ConfigKey<Integer> LORA_EVAL_EVERY =
      key(
          "lora-train.eval-every",
          integer(0),
          "50",
          "Validation loss every this many steps (and at the start and the end); 0: start and end");
  public static final ConfigKey<Integer> LORA_CHECKPOINT_EVERY =
      key(
          "lora-train.checkpoint-every",
          integer(0),
          "100",
          "A checkpoint (adapter, optimizer state, steps done) every this many steps under"
              + " ROOT/adapters/<name>/<run_id>/step-N; a rerun after a kill continues from the"
              + " latest of the same inputs and keys; 0: none");
  public static final ConfigKey<Integer> LORA_PARTITIONS =
      key(
          "lora-train.partitions",
          integer(0),
          "0",
          "Tasks that share each step; 0: Spark's default parallelism (one per executor core)");
  public static final ConfigKey<Long> LORA_SEED =
      key(
          "lora-train.seed",
          longInteger(Long.MIN_VALUE),
          "42",
          "Seed of A's initialization, the data order and dropout: the same seed, the same adapter");
  public static final ConfigKey<Integer> REPORT_DAYS =
      key(
          "report.days",
          integer(1),
          "30",
          "Nights the monitoring report charts, ending at run.date; --days");
  public static final ConfigKey<Integer> REPORT_BASELINE_NIGHTS =
      key(
          "report.baseline-nights",
          integer(3),
          "14",
          "How many nights before run.date make the trailing median a night is compared with (a"
              + " series with fewer than 3 is not flagged)");
  public static final ConfigKey<Double> REPORT_THRESHOLD =
      key(
          "report.threshold",
          number(0, Double.MAX_VALUE),
          "0.5",
          "Flag a value worse than its trailing median by more than this fraction of the median"
              + " (and by more than its unit's least change: 0.5 percentage points, 50 ms, 30 s,"
              + " 0.01 USD, 10 counts, 0.02 of a score)");
  public static final ConfigKey<Boolean> REPORT_ALERT =
      key(
          "report.alert",
          flag(),
          "false",
          "Exit 3 after writing the report when it has a flag, so that a scheduler can page");

  private static final Map<String, ConfigKey<?>> ALL = new LinkedHashMap<>();

  static {
    for (ConfigKey<?> k :
        List.of(
            RUN_DATE,
            RUN_SEED,
            RUN_FORCE,
            OUTPUT_ROOT,
            INGEST_INPUT,
            INGEST_FORMAT,
            INGEST_ID_COLUMN,
            INGEST_TEXT_COLUMN,
            INGEST_TITLE_COLUMN,
            INGEST_MAX_FILE_BYTES,
            INGEST_MAX_CHARS,
            INGEST_MAX_UNDECODABLE_RATIO,
            INGEST_PARTITIONS,
            CHUNK_INPUT,
            CHUNK_STRATEGY,
            CHUNK_SIZE,
            CHUNK_OVERLAP,
            CHUNK_UNIT,
            CHUNK_SEPARATORS,
            CHUNK_KEEP_SEPARATOR,
            CHUNK_TOKENIZER,
            EMBED_INPUT,
            EMBED_MODEL,
            EMBED_ENDPOINT,
            EMBED_ENDPOINT_MODEL,
            EMBED_API_KEY_ENV,
            EMBED_TIMEOUT_MS,
            EMBED_MAX_ATTEMPTS,
            EMBED_BATCH_SIZE,
            EMBED_POOLING,
            EMBED_NORMALIZE,
            EMBED_PASSAGE_PREFIX,
            EMBED_MAX_LENGTH,
            RETRIEVE_QUERIES,
            RETRIEVE_QUERY_FORMAT,
            RETRIEVE_QUERY_ID_COLUMN,
            RETRIEVE_QUERY_TEXT_COLUMN,
            RETRIEVE_QUERY_PREFIX,
            RETRIEVE_METHODS,
            RETRIEVE_TOP_K,
            RETRIEVE_BM25_K1,
            RETRIEVE_BM25_B,
            RETRIEVE_RRF_K,
            RETRIEVE_FUSION_DEPTH,
            RETRIEVE_RERANKER,
            RETRIEVE_RERANK_DEPTH,
            RETRIEVE_EXPAND_MODEL,
            RETRIEVE_EXPAND_BASE,
            RETRIEVE_PARAPHRASES,
            RETRIEVE_MAX_STEPS,
            RETRIEVE_STEP_HITS,
            RETRIEVE_PARAPHRASE_PROMPT,
            RETRIEVE_HYDE_PROMPT,
            RETRIEVE_STEP_PROMPT,
            INFER_INPUT,
            INFER_FORMAT,
            INFER_ID_COLUMN,
            INFER_MESSAGES_COLUMN,
            INFER_PROMPT,
            INFER_PROMPTS_DIR,
            INFER_MODEL,
            INFER_ROUTES,
            INFER_PROVIDER,
            INFER_BASE_URL,
            INFER_API_KEY_ENV,
            INFER_API_KEY_FILE,
            INFER_UNPRICED,
            INFER_REQUESTS_PER_MINUTE,
            INFER_TOKENS_PER_MINUTE,
            INFER_MAX_CONCURRENCY,
            INFER_PARTITIONS,
            INFER_TIMEOUT_MS,
            INFER_MAX_ATTEMPTS,
            INFER_REQUEST_BUDGET_MS,
            INFER_MAX_TOKENS,
            INFER_CACHE,
            INFER_MAX_REPAIRS,
            INFER_PRICES,
            INFER_BUDGET_USD,
            INFER_DRY_RUN,
            INFER_MODE,
            INFER_DEADLINE_HOURS,
            INFER_BATCH_API,
            INFER_BATCH_MAX_REQUESTS,
            INFER_BATCH_MAX_BYTES,
            INFER_BATCH_POLL_SECONDS,
            INFER_BATCH_MAX_POLL_SECONDS,
            INFER_BATCH_WAIT_MINUTES,
            INFER_BATCH_RETRY,
            INFER_RAG,
            INFER_RAG_METHOD,
            INFER_RAG_QUERY_COLUMN,
            INFER_RAG_TOP_K,
            INFER_RAG_BUDGET_TOKENS,
            EVAL_ANSWERS,
            EVAL_ANSWER_ID_COLUMN,
            EVAL_OUTPUT_COLUMN,
            EVAL_SYSTEM_COLUMN,
            EVAL_REFERENCES,
            EVAL_REFERENCE_ID_COLUMN,
            EVAL_REFERENCE_COLUMN,
            EVAL_TAGS_COLUMN,
            EVAL_METRICS,
            EVAL_ROUGE_STEMMER,
            EVAL_ROUGE_MEASURES,
            EVAL_BLEU_TOKENIZE,
            EVAL_CHRF_EPS_SMOOTHING,
            EVAL_JUDGMENTS,
            EVAL_JUDGMENTS_FORMAT,
            EVAL_RELEVANT_COLUMN,
            EVAL_LEVEL,
            EVAL_K,
            EVAL_BOOTSTRAP,
            EVAL_SEED,
            EVAL_BASELINE,
            EVAL_GATE,
            EVAL_QUESTION_COLUMN,
            EVAL_JUDGE_PROMPT,
            EVAL_JUDGE_MODEL,
            EVAL_PAIRWISE,
            EVAL_PAIRWISE_PROMPT,
            INFER_LOCAL_BATCH,
            INFER_LOCAL_MAX_LENGTH,
            INFER_LOCAL_PROMPT_OVERFLOW,
            INFER_LOCAL_ADAPTER,
            FTPREP_FEEDBACK,
            FTPREP_MIN_RATING,
            FTPREP_DATASETS,
            FTPREP_EVAL_SETS,
            FTPREP_DECONTAM_NGRAM,
            FTPREP_PII,
            FTPREP_MIN_ANSWER_CHARS,
            FTPREP_MAX_CHARS,
            FTPREP_REFUSALS,
            FTPREP_LANGUAGES,
            FTPREP_NEAR_DUP_THRESHOLD,
            FTPREP_BASE_MODEL,
            FTPREP_MAX_TOKENS,
            FTPREP_MIN_TRAINED_TOKENS,
            FTPREP_TRAIN_ON,
            FTPREP_PACKING,
            FTPREP_VALIDATION_FRACTION,
            LORA_BASE_MODEL,
            LORA_NAME,
            LORA_RANK,
            LORA_ALPHA,
            LORA_DROPOUT,
            LORA_TARGET_MODULES,
            LORA_RSLORA,
            LORA_LEARNING_RATE,
            LORA_WEIGHT_DECAY,
            LORA_SCHEDULE,
            LORA_WARMUP_STEPS,
            LORA_MAX_GRAD_NORM,
            LORA_BATCH_SIZE,
            LORA_MICRO_BATCH,
            LORA_EPOCHS,
            LORA_MAX_STEPS,
            LORA_EVAL_EVERY,
            LORA_CHECKPOINT_EVERY,
            LORA_PARTITIONS,
            LORA_SEED,
            REPORT_DAYS,
            REPORT_BASELINE_NIGHTS,
            REPORT_THRESHOLD,
            REPORT_ALERT)) {
      ALL.put(k.name(), k);
    }
  }

  private ConfigKeys() {}

  private static <T> ConfigKey<T> key(
      String name, ValueType<T> type, String defaultValue, String description) {
    return new ConfigKey<>(name, type, defaultValue, description);
  }

  public static Map<String, ConfigKey<?>> all() {
    return ALL;
  }

  /** docs/config.md: every key with its type and rule, default and meaning, by scope. */
  public static String markdown() {
    StringBuilder md =
        new StringBuilder(
            "# Config keys\n\n"
                + "Every key batchlm reads, made from its declaration in `ConfigKeys` (a test keeps"
                + " this page in step).\nSet them in a config file (`--conf`), with `--set"
                + " key=value`, or as `spark.batchlm.<key>` Spark properties; a value of the wrong"
                + " type fails the job before Spark starts.\n");
    String scope = "";
    for (ConfigKey<?> k : ALL.values()) {
      if (!k.scope().equals(scope)) {
        scope = k.scope();
        md.append("\n## ").append(scope).append("\n\n");
        md.append("| key | value | default | meaning |\n|---|---|---|---|\n");
      }
      md.append("| `")
          .append(k.name())
          .append("` | ")
          .append(k.type().description())
          .append(" | ")
          .append(k.defaultValue() == null ? "unset" : "`" + k.defaultValue() + "`")
          .append(" | ")
          .append(k.description().replace("|", "\\|"))
          .append(" |\n");
    }
    return md.toString();
  }

  /**
   * The keys a job reads (its --help; what a rerun compares to keep a run): its own scope, the
   * shared {@code run} and {@code output} keys, and the scopes it borrows.
   */
  public static List<ConfigKey<?>> forJob(String job) {
    List<String> scopes = new java.util.ArrayList<>(List.of("run", "output", job));
    switch (job) {
        // retrieve embeds its queries with the embed job's model; expansions call through infer
      case "retrieve" -> scopes.addAll(List.of("embed", "infer"));
        // eval's judge calls through infer's routes and prices; its similarity embeds
      case "eval" -> scopes.addAll(List.of("infer", "embed"));
        // lora-train prices its device time from infer's price table
      case "lora-train" -> scopes.add("infer");
      default -> {}
    }
    return ALL.values().stream().filter(k -> scopes.contains(k.scope())).toList();
  }
}
