/** Label selectors as Kubernetes prints them: `app=reviews,version=v1` (keys sorted). */
export function selectorText(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(',');
}
