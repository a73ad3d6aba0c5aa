import type { ComponentChildren, InputHTMLAttributes, PartialInputHTMLAttributes, ButtonHTMLAttributes } from 'preact';

let next = 0;
/** An id for a field that did not name one (labels and error texts point at it). */
const autoId = () => `f${++next}`;

type InputProps = Omit<PartialInputHTMLAttributes<HTMLInputElement>, 'onInput' | 'value' | 'label' | 'role'>;

/**
 * A labelled input with its error shown beneath it and tied to it (`aria-invalid`,
 * `aria-describedby`), so a screen reader reads the error with the field.
 */
export function Field(p: InputProps & { label: string; value: string; onValue: (v: string) => void; error?: string; hint?: string; id?: string }) {
  const { label, value, onValue, error, hint, id: given, ...rest } = p;
  const id = given ?? (rest.name ? `field-${String(rest.name)}` : autoId());
  const described = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {/* Preact types an input's role by its type; a field has no role of its own. */}
      <input {...(rest as InputHTMLAttributes<HTMLInputElement>)} id={id} value={value} onInput={(e) => onValue(e.currentTarget.value)} aria-invalid={error ? 'true' : undefined} aria-describedby={described} />
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** A button that shows progress while its action runs and cannot be pressed twice meanwhile. */
export function Button(p: ButtonHTMLAttributes<HTMLButtonElement> & { busy?: boolean; kind?: 'primary' | 'secondary' | 'danger' | 'link'; children: ComponentChildren }) {
  const { busy, kind = 'primary', children, class: cls, ...rest } = p;
  return (
    <button type="submit" {...rest} class={`btn ${kind} ${cls ?? ''}`} disabled={busy || rest.disabled} aria-busy={busy ? 'true' : undefined}>
      {busy && <span class="spinner" aria-hidden="true" />}
      {children}
    </button>
  );
}

/** A message about the whole form: errors are announced at once, other news politely. */
export function Alert(p: { kind: 'error' | 'info' | 'success'; children: ComponentChildren; id?: string }) {
  return (
    <div id={p.id} class={`alert ${p.kind}`} role={p.kind === 'error' ? 'alert' : 'status'}>
      {p.children}
    </div>
  );
}
